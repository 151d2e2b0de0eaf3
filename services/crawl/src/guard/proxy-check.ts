import { ConfigError } from "@ampledata/shared";
import { type AddressGuard, AddressRefusedError } from "./address-guard.ts";

/**
 * Checks at start that the forward proxy is an address the crawler may connect to: public, or on
 * the allowlist. A proxy on loopback or a private network (the sandbox web, an egress proxy in the
 * cluster) must be listed in CRAWL_ALLOW_HOSTS or CRAWL_ALLOW_CIDRS. Throws ConfigError otherwise.
 */
export async function checkProxyAddress(guard: AddressGuard, proxyUrl: string): Promise<void> {
  const host = new URL(proxyUrl).hostname;
  try {
    await guard.resolve(host);
  } catch (error) {
    if (error instanceof AddressRefusedError) {
      throw new ConfigError(
        `invalid configuration:\n  CRAWL_PROXY_URL: the proxy ${error.address === host ? host : `${host} (${error.address})`} is not a public address and not allowlisted (got ${JSON.stringify(proxyUrl)})\nAdd ${host} to CRAWL_ALLOW_HOSTS (or its range to CRAWL_ALLOW_CIDRS) and start again.`,
      );
    }
    throw new ConfigError(
      `invalid configuration:\n  CRAWL_PROXY_URL: resolving ${host} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
