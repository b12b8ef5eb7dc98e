// Bounds what a message's content can put in a header or a log line.

/** Longest piece of content quoted in a reason, header or log field. */
export const MAX_SHOWN = 200;

/** A reason is made short where it is written; this bounds it again wherever it goes out, whatever made it. */
export const MAX_REASON = 500;

/** `text` if short, else its first `max` characters and its original length: "12345…" (70,012 characters). */
export function cut(text: string, max = MAX_SHOWN): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} characters)`;
}
