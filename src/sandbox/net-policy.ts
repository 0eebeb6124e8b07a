/**
 * Which hosts a plugin may reach: its `permissions.net` patterns, with `config:KEY` replaced by the host
 * of the URL an admin set in config key KEY. A pattern without a port allows only the scheme's default
 * port; `*.example.com` allows sub-domains, not example.com itself.
 */
export interface HostRule {
  host: string;
  wildcard: boolean;
  port: number | null;
  /** The manifest entry it came from, for error messages. */
  source: string;
}

export function compileNetRules(
  patterns: readonly string[],
  config: Readonly<Record<string, unknown>>,
): HostRule[] {
  const rules: HostRule[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith("config:")) {
      const value = config[pattern.slice("config:".length)];
      if (typeof value !== "string") continue;
      try {
        const u = new URL(value);
        rules.push({ host: u.hostname.toLowerCase(), wildcard: false, port: portOf(u), source: pattern });
      } catch {
        // A bad URL in config grants nothing; config validation reports it.
      }
      continue;
    }
    const m = /^(\*\.)?([^:]+)(?::(\d+))?$/.exec(pattern);
    if (!m) continue;
    rules.push({
      host: (m[2] as string).toLowerCase(),
      wildcard: Boolean(m[1]),
      port: m[3] ? Number(m[3]) : null,
      source: pattern,
    });
  }
  return rules;
}

export function isUrlAllowed(url: URL, rules: readonly HostRule[]): boolean {
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = url.hostname.toLowerCase();
  const port = portOf(url);
  return rules.some((r) => {
    const hostOk = r.wildcard ? host.endsWith(`.${r.host}`) : host === r.host;
    const portOk = r.port === null ? port === defaultPort(url.protocol) : port === r.port;
    return hostOk && portOk;
  });
}

function portOf(u: URL): number {
  return u.port ? Number(u.port) : defaultPort(u.protocol);
}

function defaultPort(protocol: string): number {
  return protocol === "https:" ? 443 : 80;
}
