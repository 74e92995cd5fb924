import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KouanError, PeerRejectedError } from '../core/errors.ts';

/**
 * The one place errors become HTTP responses: a stable code and a message for every refusal,
 * 4xx logged at info, 5xx at error with the cause kept in the log and out of the response.
 */
export const errorResponses = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | KouanError | Error, request, reply) => {
      if (error instanceof KouanError) {
        request.log[error.status >= 500 ? 'error' : 'info']({ code: error.code, err: error.status >= 500 ? error : undefined }, error.message);
        if (error instanceof PeerRejectedError) reply.header('connection', 'close');
        return reply.code(error.status).send(error.toJSON());
      }
      const fastifyError = error as FastifyError;
      if (fastifyError.validation) {
        request.log.info({ code: 'INPUT_INVALID' }, fastifyError.message);
        return reply.code(400).send({ code: 'INPUT_INVALID', message: fastifyError.message });
      }
      if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        request.log.info({ code: 'INPUT_TOO_LARGE' }, fastifyError.message);
        return reply.code(413).send({ code: 'INPUT_TOO_LARGE', message: fastifyError.message });
      }
      if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
        request.log.info({ code: 'INPUT_INVALID', fastifyCode: fastifyError.code }, fastifyError.message);
        return reply.code(fastifyError.statusCode).send({ code: 'INPUT_INVALID', message: fastifyError.message });
      }
      request.log.error({ err: error }, 'unexpected failure');
      return reply.code(500).send({ code: 'INTERNAL', message: 'internal error; see the server log' });
    });
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` }));
  },
  { name: 'kouan-error-responses' },
);
