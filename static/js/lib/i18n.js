// The page's messages, in the language the server chose; the same catalogue as the templates.
// Each page's init() hands its catalogue over before anything is shown. It is the one setting
// kept here rather than passed along: every module translates. Without one (as in the Node
// tests that set none) a message reads as its key.

let catalogue = {};

/** Translate with `messages` (key → text with `{name}` placeholders) from now on. */
export function useMessages(messages) {
  catalogue = messages;
}

/** Whether the catalogue has a message `key`. */
export const hasMessage = (key) => key in catalogue;

/** The message `key` with its `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = catalogue[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}
