// Buttons marked data-action="print" open the browser's print dialog (no inline handlers: CSP).
'use strict';
document.querySelectorAll('[data-action="print"]').forEach((button) => {
  button.addEventListener('click', () => window.print());
});
