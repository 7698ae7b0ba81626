/** Text safe inside HTML (job summaries and comments are rendered as HTML-capable Markdown). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
