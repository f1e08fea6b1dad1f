import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../database/database-errors.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  [extra: string]: unknown;
}

/** Errors raised by Node's own HTTP layers (body-parser, Express) carry a 4xx `status` and are safe to show. */
function isExposedClientError(err: unknown): err is { status: number; message: string } {
  const e = err as { status?: unknown; expose?: unknown };
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose !== false;
}

/**
 * Turns every failure into `{ statusCode, error, message }`: HTTP exceptions keep their status and extra
 * fields, malformed or oversized bodies are 4xx, a database that cannot be reached or does not answer in time
 * is 503, anything else is a logged 500 that reveals nothing.
 */
@Catch()
export class AuthConsentExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AuthConsentExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const error = STATUS_CODES[statusCode] ?? 'Error';
      if (typeof response === 'string') return { statusCode, error, message: response };
      const { message, error: _ignored, statusCode: _code, ...extra } = response as Record<string, unknown>;
      return { ...extra, statusCode, error, message: (message as string | string[] | undefined) ?? error };
    }
    if (isExposedClientError(exception)) {
      const statusCode = exception.status;
      const message = statusCode === 400 ? 'Malformed request body' : exception.message;
      return { statusCode, error: STATUS_CODES[statusCode] ?? 'Bad Request', message };
    }
    if (isDatabaseUnavailable(exception)) {
      // Unreachable, or no answer within database.statementTimeout / connectTimeout: the caller may retry.
      this.logger.warn(`Database unavailable: ${(exception as Error)?.message ?? String(exception)}`);
      return {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: 'The database is unavailable; try again shortly.',
      };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'Internal server error',
    };
  }
}
