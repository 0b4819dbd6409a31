// The page's messages, in the language the server chose; the same catalogue as the templates.

const catalogue = JSON.parse(document.getElementById("messages").textContent);

/** The message `key` with its `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = catalogue[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}
