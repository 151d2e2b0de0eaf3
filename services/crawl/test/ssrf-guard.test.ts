import { fileURLToPath } from "node:url";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { ConfigError } from "@ampledata/shared";
import { buildConnector } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddressGuard,
  AddressRefusedError,
  addressRefusal,
  checkProxyAddress,
  HttpFetcher,
  type LookupFunction,
  PageFailureError,
} from "../src/index.ts";
import { type ConnectionSpy, connectionSpy, loopbackGuard } from "./guards.ts";
import { type PageServer, startPageServer } from "./page-server.ts";

const fixtureCorpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));
const signal = new AbortController().signal;

/** Refused address classes, each with an example address; none of them is ever connected to. */
const REFUSED: [string, string, RegExp][] = [
  ["loopback v4", "127.0.0.2", /loopback/],
  ["loopback v6", "::1", /loopback/],
  ["private 10/8", "10.20.30.40", /private/],
  ["private 172.16/12", "172.20.1.1", /private/],
  ["private 192.168/16", "192.168.1.10", /private/],
  ["unique-local", "fd12:3456::1", /unique-local/],
  ["link-local v4", "169.254.10.20", /link-local/],
  ["link-local v6", "fe80::1", /link-local/],
  ["multicast v4", "224.0.0.251", /multicast/],
  ["multicast v6", "ff02::1", /multicast/],
  ["unspecified v4", "0.0.0.0", /unspecified/],
  ["unspecified v6", "::", /unspecified/],
  ["carrier-grade NAT", "100.64.1.1", /carrier-grade NAT/],
  ["IPv4-mapped loopback", "::ffff:127.0.0.2", /IPv4-mapped loopback/],
  ["IPv4-mapped private", "::ffff:10.0.0.1", /IPv4-mapped private/],
  ["metadata v4", "169.254.169.254", /cloud metadata/],
  ["metadata v6", "fd00:ec2::254", /cloud metadata/],
];

/** DNS of the tests: `<n>.refused.test` resolves to the n-th refused address. */
const table: Record<string, string[]> = {
  "pages.test": ["127.0.0.1"],
  "mixed.test": ["127.0.0.1", "10.0.0.7"],
  "metadata.test": ["169.254.169.254"],
  ...Object.fromEntries(REFUSED.map(([, address], index) => [`${index}.refused.test`, [address]])),
};
const lookup: LookupFunction = async (hostname) => {
  const addresses = table[hostname];
  if (addresses === undefined) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  }
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

let server: PageServer;
let port: string;

beforeAll(async () => {
  server = await startPageServer();
  port = new URL(server.url).port;
});

afterAll(async () => {
  await server.stop();
});

function directFetcher(guard: AddressGuard): { fetcher: HttpFetcher; spy: ConnectionSpy } {
  const spy = connectionSpy(buildConnector({ timeout: 2000 }));
  const fetcher = new HttpFetcher({
    deadlineMs: 2000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    userAgent: "AmpleData-test/1",
    guard,
    connector: spy.connector,
  });
  return { fetcher, spy };
}

async function refusal(fetcher: HttpFetcher, url: string): Promise<PageFailureError> {
  const error = await fetcher.fetch(url, signal).then(
    () => new Error(`${url} was expected to be refused`),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PageFailureError);
  return error as PageFailureError;
}

describe("address classes", () => {
  it.each(REFUSED)("refuses %s (%s)", (_name, address, reason) => {
    expect(addressRefusal(address)).toMatch(reason);
  });

  it("accepts public unicast addresses", () => {
    expect(addressRefusal("93.184.216.34")).toBeUndefined();
    expect(addressRefusal("2606:4700:4700::1111")).toBeUndefined();
    expect(addressRefusal("::ffff:93.184.216.34")).toBeUndefined();
  });

  it("refuses metadata addresses despite an allowlist", () => {
    const guard = new AddressGuard({
      allowHosts: ["metadata.test"],
      allowCidrs: ["169.254.0.0/16", "fd00::/8"],
    });
    expect(() => guard.check("metadata.test", "169.254.169.254")).toThrow(AddressRefusedError);
    expect(() => guard.check("x.test", "fd00:ec2::254")).toThrow(/cloud metadata/);
    expect(() => guard.check("x.test", "169.254.1.1")).not.toThrow();
  });
});

describe("SSRF guard on direct connections", () => {
  it("refuses every class by DNS answer without connecting", async () => {
    const { fetcher, spy } = directFetcher(loopbackGuard(lookup));
    for (const [index, [, address]] of REFUSED.entries()) {
      const error = await refusal(fetcher, `http://${index}.refused.test:${port}/ledger`);
      expect(error.outcome).toBe("blocked");
      expect(error.message).toContain(address);
      expect(error.message).toContain("CRAWL_ALLOW_HOSTS");
    }
    await fetcher.close();
    expect(spy.attempts).toEqual([]);
  });

  it("refuses IP literal URLs without connecting", async () => {
    const { fetcher, spy } = directFetcher(loopbackGuard(lookup));
    for (const host of ["10.0.0.1", "[::1]", "[::ffff:169.254.169.254]", "0.0.0.0", "127.0.0.2"]) {
      const error = await refusal(fetcher, `http://${host}:${port}/ledger`);
      expect(error.outcome).toBe("blocked");
    }
    await fetcher.close();
    expect(spy.attempts).toEqual([]);
  });

  it("refuses a DNS answer that mixes allowed and refused addresses", async () => {
    const { fetcher, spy } = directFetcher(loopbackGuard(lookup));
    const error = await refusal(fetcher, `http://mixed.test:${port}/ledger`);
    expect(error.message).toContain("10.0.0.7");
    await fetcher.close();
    expect(spy.attempts).toEqual([]);
  });

  it("refuses a redirect to a refused host", async () => {
    const { fetcher, spy } = directFetcher(loopbackGuard(lookup));
    const error = await refusal(fetcher, `http://pages.test:${port}/to-host/metadata.test`);
    expect(error.outcome).toBe("blocked");
    expect(error.message).toContain(`http://metadata.test:${port}/ledger (redirect hop of`);
    expect(error.message).toContain("169.254.169.254");
    await fetcher.close();
    expect(spy.attempts).toEqual([`127.0.0.1:${port}`]);
    expect(server.hits.get("/to-host/metadata.test")).toBeGreaterThanOrEqual(1);
  });

  it("connects to the checked address of an allowed host", async () => {
    const guard = new AddressGuard({ allowHosts: ["pages.test"], allowCidrs: [], lookup });
    const { fetcher, spy } = directFetcher(guard);
    const page = await fetcher.fetch(`http://pages.test:${port}/ledger`, signal);
    await fetcher.close();
    expect(page.finalUrl).toBe(`http://pages.test:${port}/ledger`);
    expect(Buffer.from(page.body).toString()).toContain("Saltmarsh Books");
    expect(spy.attempts).toEqual([`127.0.0.1:${port}`]);
  });

  it("refuses loopback without an allowlist entry", async () => {
    const guard = new AddressGuard({ allowHosts: [], allowCidrs: [], lookup });
    const { fetcher, spy } = directFetcher(guard);
    const error = await refusal(fetcher, `http://pages.test:${port}/ledger`);
    expect(error.message).toContain("loopback");
    await fetcher.close();
    expect(spy.attempts).toEqual([]);
  });

  it("reports an unknown host as unreachable", async () => {
    const { fetcher, spy } = directFetcher(loopbackGuard(lookup));
    const error = await refusal(fetcher, `http://nowhere.test:${port}/`);
    expect(error.outcome).toBe("error");
    expect(error.message).toContain("ENOTFOUND");
    await fetcher.close();
    expect(spy.attempts).toEqual([]);
  });
});

describe("SSRF guard behind a proxy", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [fixtureCorpus], host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    await sandbox.stop();
  });

  it("checks the proxy address at start", async () => {
    const strict = new AddressGuard({ allowHosts: [], allowCidrs: [] });
    await expect(checkProxyAddress(strict, sandbox.url)).rejects.toBeInstanceOf(ConfigError);
    await expect(checkProxyAddress(strict, sandbox.url)).rejects.toThrow(/CRAWL_PROXY_URL.*127\.0\.0\.1/s);
    await expect(
      checkProxyAddress(new AddressGuard({ allowHosts: ["127.0.0.1"], allowCidrs: [] }), sandbox.url),
    ).resolves.toBeUndefined();
  });

  it("refuses IP literal targets and leaves host names to the proxy", async () => {
    const fetcher = new HttpFetcher({
      proxyUrl: sandbox.url,
      deadlineMs: 2000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 5,
      userAgent: "AmpleData-test/1",
      guard: new AddressGuard({ allowHosts: [], allowCidrs: [] }),
    });
    sandbox.resetCounters();
    const error = await refusal(fetcher, "http://169.254.169.254/latest/meta-data/");
    expect(error.outcome).toBe("blocked");
    expect(sandbox.counters().byRoute.page).toBe(0);

    const page = await fetcher.fetch("http://www.lanternpress.test/books/glass-harbor", signal);
    await fetcher.close();
    expect(page.status).toBe(200);
    expect(sandbox.counters().byRoute.page).toBe(1);
  });
});
