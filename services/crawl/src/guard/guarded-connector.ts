import type { buildConnector } from "undici";
import type { AddressGuard } from "./address-guard.ts";

/**
 * Creates an undici connector that resolves the host through the guard and connects to the checked
 * address (pinned), keeping the host name for TLS (SNI and certificate checks) and the Host header.
 * `inner` opens the socket; tests pass a spy here to see every connection attempt.
 */
export function createGuardedConnector(
  guard: AddressGuard,
  inner: buildConnector.connector,
): buildConnector.connector {
  return (options, callback) => {
    guard.resolve(options.hostname).then(
      ({ address }) => {
        const servername =
          options.protocol === "https:" ? (options.servername ?? options.hostname) : undefined;
        inner({ ...options, hostname: address, servername }, callback);
      },
      (error: unknown) => callback(error as Error, null),
    );
  };
}
