/**
 * A platform's token model served through the in-memory HttpClient (memoryHttp.ts): the
 * same behaviour the loopback fakes serve over node:http, with the clock of the Effect
 * that makes the call (TestClock in unit tests).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type ModelReply, type ModelState, requestOf, type TokenModel } from "../../src/platforms/tokenModel.js"
import type { Handler, Reply, SeenRequest } from "./memoryHttp.js"

/** The model's answer to one request seen by the in-memory client. */
export const answerOf = <S extends ModelState, O>(model: TokenModel<S, O>, state: S, req: SeenRequest, now: number): ModelReply =>
  model.answer(state, requestOf(req.method, req.url, req.headers, req.body), now)

/** A model reply as memoryHttp sends it (the model's `event` is not part of the answer). */
export const replyOf = (reply: ModelReply): Reply => ({
  status: reply.status,
  ...(reply.json !== undefined ? { json: reply.json } : { text: reply.text ?? "" }),
  ...(reply.headers !== undefined ? { headers: { ...reply.headers } } : {})
})

/** Every request answered by one model, whatever host it was sent to. */
export const modelHandler = <S extends ModelState, O>(model: TokenModel<S, O>, state: S): Handler => (req) =>
  Effect.map(Clock.currentTimeMillis, (now) => replyOf(answerOf(model, state, req, now)))
