export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
  raw: string;
}

/** Parses Set-Cookie headers exactly as sent, so specs can assert on every attribute. */
export function setCookies(headers: Record<string, unknown>): SetCookie[] {
  const header = headers['set-cookie'];
  const lines = Array.isArray(header)
    ? (header as string[])
    : typeof header === 'string'
      ? [header]
      : [];
  return lines.map((raw) => {
    const [pair, ...attributes] = raw.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    return {
      name: pair.slice(0, separator),
      value: pair.slice(separator + 1),
      raw,
      attributes: Object.fromEntries(
        attributes.map((attribute) => {
          const [key, ...value] = attribute.split('=');
          return [key.toLowerCase(), value.length > 0 ? value.join('=') : true];
        }),
      ),
    };
  });
}

export function refreshCookie(headers: Record<string, unknown>): SetCookie | undefined {
  return setCookies(headers).find((cookie) => cookie.name === 'refresh_token');
}
