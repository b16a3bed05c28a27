// Buttons marked data-action="print" open the browser's print dialog (no inline handlers: CSP).
'use strict';
document.querySelectorAll('[data-action="print"]').forEach((button) => {
  button.addEventListener('click', () => window.print());
});

// Offline the card page is the cached /accompagnements/carte/ and the code comes after "#".
const code = document.getElementById('card-code');
if (code && !code.textContent.trim() && /^#[0-9A-Z]{8}$/.test(window.location.hash)) {
  const value = window.location.hash.slice(1);
  code.textContent = `${value.slice(0, 4)}-${value.slice(4)}`;
}
