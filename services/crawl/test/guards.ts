import type { buildConnector } from "undici";
import { AddressGuard, type LookupFunction } from "../src/index.ts";

/** Builds a guard that lets the tests reach their own servers on 127.0.0.1 and nothing else private. */
export function loopbackGuard(lookup?: LookupFunction): AddressGuard {
  return new AddressGuard({ allowHosts: [], allowCidrs: ["127.0.0.1/32"], lookup });
}

/** Every connection attempt the spy saw, as `address:port`. */
export interface ConnectionSpy {
  connector: buildConnector.connector;
  attempts: string[];
}

/**
 * A connector that records each attempt and opens a socket only to 127.0.0.1, through `real`.
 * Any other address is answered with an error instead of a connection, so a guard bug in a test
 * can never send traffic off this machine.
 */
export function connectionSpy(real: buildConnector.connector): ConnectionSpy {
  const attempts: string[] = [];
  const connector: buildConnector.connector = (options, callback) => {
    attempts.push(`${options.hostname}:${options.port}`);
    if (options.hostname !== "127.0.0.1") {
      callback(new Error(`connection spy: not connecting to ${options.hostname}`), null);
      return;
    }
    real(options, callback);
  };
  return { connector, attempts };
}
