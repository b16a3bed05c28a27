// The page scripts' interface strings, in the page's language, from the server's catalogue.
// The page names a versioned JSON file (<meta name="pcn-strings">); the service worker keeps
// it, so the strings load offline too, from the same cache as the page itself.

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
