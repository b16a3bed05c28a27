// The page scripts' interface strings, in the page's language, from the server's catalogue.
// The page names a versioned JSON file (<meta name="pcn-strings">); the service worker keeps
// it, so the strings load offline too, from the same cache as the page itself.
// Also the words made from what the device knows (the sync bar's, sizes): plain functions,
// checked under Node in each state (tests/js/sync_words.test.mjs).

const LOAD_TIMEOUT_MS = 5000;

async function load() {
  const url = document.querySelector('meta[name="pcn-strings"]')?.content;
  if (!url) return {};
  try {
    const response = await fetch(url, {signal: AbortSignal.timeout(LOAD_TIMEOUT_MS)});
    if (response.ok) return (await response.json()).strings;
  } catch (error) { /* unreachable and never kept: the keys show instead */ }
  console.warn('interface strings not loaded', url);
  return {};
}

// Top-level await: the modules importing this one run once the strings are here, so that t()
// is ready from their first line (the file comes from a cache but the first time).
const strings = await load();

export const t = (key, params = {}) => (strings[key] || key).replace(/%\((\w+)\)s/g, (_, name) => params[name]);

/**
 * The sync bar's words: ``{text, advice, tone, seeSync, signIn}``. ``text`` says where things
 * stand, ``advice`` what the advisor should do ('' when nothing), ``tone`` is 'calm' or 'act'.
 * One fact at a time, so that it never contradicts itself: "all sent" only with nothing waiting,
 * a last sending only when there was one.
 *
 * facts: {online, unsent, toFix (records the server refused or that changed elsewhere),
 *         state ('idle', 'sending', 'waiting', 'auth'), sent, total, error, lastSuccess}
 * words: {t, number, when} (the catalogue's strings, a number and a moment in the page's language)
 */
export function syncWords(facts, {t, number, when}) {
  const {online, unsent = 0, toFix = 0, state, sent = 0, total = 0, error, lastSuccess} = facts;
  const parts = [online ? t('online') : t('offline')];
  let advice = '';
  let tone = 'calm';
  if (state === 'sending' && total) {
    parts.push(t('progress', {sent: number(sent), total: number(total)}));
    advice = t('advice_sending');
  } else if (unsent) {
    parts.push(t('waiting', {num: number(unsent)}));
  } else {
    parts.push(lastSuccess ? t('all_sent') : t('nothing_to_send'));
  }
  if (lastSuccess) parts.push(t('last_sync', {when: when(lastSuccess)}));

  if (error === 'auth') {
    advice = t('error_auth');
    tone = 'act';
  } else if (toFix) {
    advice = t('advice_to_fix', {num: number(toFix)});
    tone = 'act';
  } else if (state === 'sending') {
    // said above
  } else if (!online && unsent) {
    advice = t('advice_offline');
  } else if (unsent && error) {
    advice = t(`error_${error}`);
  } else if (unsent) {
    advice = t('advice_waiting');
  }
  return {text: parts.join(' · '), advice, tone, seeSync: Boolean(toFix), signIn: error === 'auth'};
}

const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/** A size as people read it, in the page's language: « 0,4 Mo », « 10 Go » (French), "0.4 MB" (English). */
export function formatBytes(bytes, locale) {
  const size = Math.max(0, Number(bytes) || 0);
  // From 50 kB on, sizes are told in megabytes at least (« 0,4 Mo »), as a phone's settings do.
  let value = size >= 50e3 ? size / 1e6 : size / 1e3;
  let unit = size >= 50e3 ? 1 : 0;
  while (unit < UNITS.length - 1 && value >= 1000) { value /= 1000; unit += 1; }
  const digits = value < 10 ? 1 : 0;
  return new Intl.NumberFormat(locale, {style: 'unit', unit: UNITS[unit], unitDisplay: 'short',
    maximumFractionDigits: digits}).format(value);
}
