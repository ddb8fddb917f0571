/** An endpoint URL fit for logs and the delivery log: a query string may carry the platform's token. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  const hidden = parsed.search ? '?…' : '';
  parsed.search = '';
  parsed.hash = '';
  return `${parsed.toString()}${hidden}`;
}
