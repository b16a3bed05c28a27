// The accompaniment form, enhanced: show only what the chosen kind needs, only the procedures
// of the chosen partners, the "other duration" box when asked. Without this script the whole
// form shows and still posts; the server judges the record either way.
'use strict';

(function () {
  const form = document.getElementById('record-form');
  if (!form) return;

  function checkedValue(name) {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : (form.elements[name] && form.elements[name].value) || '';
  }

  function checkedValues(name) {
    return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (input) => input.value);
  }

  function update() {
    const kind = checkedValue('kind');
    form.querySelectorAll('[data-kinds]').forEach((section) => {
      // Before a kind is chosen, only the quick-save block stays hidden.
      const kinds = section.dataset.kinds.split(' ');
      section.hidden = kind ? !kinds.includes(kind) : section.classList.contains('quick-save');
    });
    form.querySelectorAll('[data-show-when]').forEach((block) => {
      const [name, wanted] = block.dataset.showWhen.split('=');
      block.hidden = checkedValue(name) !== wanted;
    });
    const partners = checkedValues('partners');
    form.querySelectorAll('.procedure-group').forEach((group) => {
      const shown = partners.includes(group.dataset.partner);
      // A procedure already ticked stays visible so it is never lost silently.
      group.hidden = !shown && !group.querySelector('input:checked');
    });
  }

  form.addEventListener('change', update);
  update();
})();
