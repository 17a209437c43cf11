const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Terminal-safe, single-line text: every C0 control character, DEL and every C1 control character
 * (plus the Unicode line and paragraph separators) becomes a visible escape (`\n`, `\r`, `\t`,
 * `\x1b`, `\x7f`, `\u009b`, `\u2028`), so text from a registry can neither start a new log line nor
 * drive a terminal. Everything else, backslashes included, is kept as is.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
