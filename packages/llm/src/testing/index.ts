export type {
  FakeLlmServer,
  FakeLlmServerOptions,
  FakeReply,
  FakeScript,
  RecordedRequest,
} from "./fake-server.ts";
export { fakeReplies, startFakeLlmServer } from "./fake-server.ts";
