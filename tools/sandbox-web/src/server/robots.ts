/** robots.txt served for a host without a configured rule or an archived robots.txt: everything is allowed. */
export const ALLOW_ALL_ROBOTS = "User-agent: *\nDisallow:\n";

/** Host key whose robots.txt applies to every host without a rule of its own. */
export const ANY_HOST = "*";

/** robots.txt bodies by host, configurable at run time. */
export class RobotsRules {
  readonly #byHost = new Map<string, string>();

  /** Sets the robots.txt of `host` ("*" for every host), or removes it when `body` is undefined. */
  set(host: string, body: string | undefined): void {
    const key = host.toLowerCase();
    if (body === undefined) {
      this.#byHost.delete(key);
    } else {
      this.#byHost.set(key, body);
    }
  }

  /** Returns the robots.txt set for `host` or for every host, or undefined when none is set. */
  get(host: string): string | undefined {
    return this.#byHost.get(host.toLowerCase()) ?? this.#byHost.get(ANY_HOST);
  }
}
