import { lookup as dnsLookup } from "node:dns/promises";
import { PermanentError } from "@ampledata/shared";
import ipaddr from "ipaddr.js";

/** A DNS answer: every address the host name resolves to. */
export type LookupFunction = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Resolves with the system resolver (getaddrinfo), every address in the resolver's order. */
export const systemLookup: LookupFunction = (hostname) =>
  dnsLookup(hostname, { all: true, order: "verbatim" });

/**
 * Cloud metadata services: AWS, GCP, Azure and others answer on 169.254.169.254, AWS also on
 * fd00:ec2::254 over IPv6. They are refused even when an allowlist entry covers them, because a
 * crawler that reads them can leak the machine's credentials.
 */
export const METADATA_ADDRESSES = ["169.254.169.254", "fd00:ec2::254"] as const;

/** Readable names of ipaddr.js range names, for refusal messages. */
const RANGE_NAMES: Record<string, string> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT",
  private: "private",
  uniqueLocal: "unique-local",
  reserved: "reserved",
};

/**
 * A URL the crawler will not fetch because its host is, or resolves to, an address outside the
 * public internet. It is a permanent failure of that page only.
 */
export class AddressRefusedError extends PermanentError {
  readonly host: string;
  readonly address: string;

  constructor(host: string, address: string, reason: string) {
    const shown = host === address ? address : `${host} (${address})`;
    super(
      `refused ${shown}: ${reason}; the crawler fetches only public addresses (allow a trusted host with CRAWL_ALLOW_HOSTS or CRAWL_ALLOW_CIDRS)`,
    );
    this.host = host;
    this.address = address;
  }
}

/**
 * Returns why `address` is not a public unicast address (such as "loopback" or "IPv4-mapped
 * private"), or undefined for a public one. Everything ipaddr.js does not classify as unicast is
 * refused, which covers the loopback, private, link-local, unique-local, multicast, unspecified,
 * carrier-grade NAT, reserved and tunnelling ranges (6to4, Teredo, NAT64).
 */
export function addressRefusal(address: string): string | undefined {
  const parsed = ipaddr.parse(address);
  if (METADATA_ADDRESSES.some((metadata) => sameAddress(metadata, address))) {
    return "cloud metadata address";
  }
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    const inner = addressRefusal((parsed as ipaddr.IPv6).toIPv4Address().toString());
    return inner === undefined ? undefined : `IPv4-mapped ${inner}`;
  }
  const range = parsed.range();
  if (range === "unicast") {
    return undefined;
  }
  return `${RANGE_NAMES[range] ?? `${range} special-purpose`} address`;
}

export interface AddressGuardOptions {
  /** Host names accepted whatever they resolve to (except cloud metadata addresses), such as a local proxy. */
  allowHosts: string[];
  /** Address ranges accepted although not public, in CIDR notation such as 127.0.0.1/32. */
  allowCidrs: string[];
  /** DNS lookup; tests inject a table here. */
  lookup?: LookupFunction;
}

/**
 * Decides which addresses the crawler may connect to. `resolve` returns the one address to connect
 * to, after checking every address of the DNS answer, so that the connection goes to an address
 * that was checked and a second DNS answer (rebinding) cannot change it.
 */
export class AddressGuard {
  readonly #allowHosts: Set<string>;
  readonly #allowCidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  readonly #lookup: LookupFunction;

  constructor(options: AddressGuardOptions) {
    this.#allowHosts = new Set(options.allowHosts.map((host) => host.toLowerCase()));
    this.#allowCidrs = options.allowCidrs.map((cidr) => ipaddr.parseCIDR(cidr));
    this.#lookup = options.lookup ?? systemLookup;
  }

  /** Throws AddressRefusedError unless `address` is public, or allowlisted and no metadata address. */
  check(host: string, address: string): void {
    const refusal = addressRefusal(address);
    if (refusal === undefined) {
      return;
    }
    const metadata = refusal === "cloud metadata address" || refusal === "IPv4-mapped cloud metadata address";
    if (!metadata && (this.isHostAllowed(host) || this.#inAllowedRange(address))) {
      return;
    }
    throw new AddressRefusedError(host, address, refusal);
  }

  isHostAllowed(host: string): boolean {
    return this.#allowHosts.has(stripBrackets(host).toLowerCase());
  }

  /**
   * Checks a host that is an IP literal and returns true; returns false for a host name, which is
   * left to `resolve` (direct connections) or to the proxy (proxied connections).
   */
  checkLiteral(host: string): boolean {
    const bare = stripBrackets(host);
    if (!ipaddr.isValid(bare)) {
      return false;
    }
    this.check(bare, bare);
    return true;
  }

  /**
   * Resolves `host` and checks every address of the answer; a single refused address refuses the
   * host, because the resolver may hand out any of them. Returns the first address.
   */
  async resolve(host: string): Promise<{ address: string; family: number }> {
    const bare = stripBrackets(host);
    if (ipaddr.isValid(bare)) {
      this.check(bare, bare);
      return { address: bare, family: ipaddr.parse(bare).kind() === "ipv6" ? 6 : 4 };
    }
    const answer = await this.#lookup(bare);
    if (answer.length === 0) {
      throw Object.assign(new Error(`${bare} has no DNS address`), { code: "ENOTFOUND" });
    }
    for (const { address } of answer) {
      this.check(bare, address);
    }
    return answer[0]!;
  }

  #inAllowedRange(address: string): boolean {
    const parsed = ipaddr.process(address);
    return this.#allowCidrs.some(
      ([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits),
    );
  }
}

function sameAddress(a: string, b: string): boolean {
  return ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** True when `cidr` parses as an IPv4 or IPv6 range such as 10.0.0.0/8 or fd00::/8. */
export function isValidCidr(cidr: string): boolean {
  try {
    ipaddr.parseCIDR(cidr);
    return true;
  } catch {
    return false;
  }
}
