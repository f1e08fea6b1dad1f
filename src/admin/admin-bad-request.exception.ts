import { BadRequestException } from '@nestjs/common';

/** A bad admin filter, date, limit or cursor: a 400 `{statusCode, error, message}` with a plain sentence. */
export class AdminBadRequestException extends BadRequestException {
  constructor(message: string) {
    super(message);
  }
}
