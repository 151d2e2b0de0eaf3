export type { TestNatsServer } from "./nats-server.ts";
export { freePort, natsServerBinary, startTestNatsServer } from "./nats-server.ts";
