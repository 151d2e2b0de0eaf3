// Entry point of the gateway process: node --conditions=development services/gateway/src/main.ts
import { exitOnStartFailure, runUntilSignal } from "@ampledata/shared";
import { loadGatewayConfig } from "./config.ts";
import { startGateway } from "./gateway.ts";

try {
  const config = loadGatewayConfig();
  const gateway = await startGateway(config);
  runUntilSignal(gateway);
} catch (error) {
  exitOnStartFailure("ampledata-gateway", error);
}
