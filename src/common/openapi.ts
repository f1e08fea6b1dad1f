import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions, ApiResponse } from '@nestjs/swagger';

/** Every error the module answers (AuthConsentExceptionFilter's shape; some add fields of their own). */
export class ErrorResponse {
  @ApiProperty({ type: Number, example: 400 })
  statusCode: number;

  @ApiProperty({ type: String, example: 'Bad Request' })
  error: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What was wrong, in one sentence (a list for several body fields).',
  })
  message: string | string[];
}

/** The error answers of an operation, each `{statusCode, error, message}`: status → when it is answered. */
export function ApiErrors(
  errors: Partial<Record<400 | 401 | 403 | 404 | 409 | 429 | 501 | 503, string>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, type: ErrorResponse }),
    ),
  );
}

/** A date-time string, or null. */
export const NULLABLE_DATE_TIME: ApiPropertyOptions = { type: String, format: 'date-time', nullable: true };

/** `{<category key>: boolean}`. */
export const DECISIONS_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { type: 'boolean' },
  example: { necessary: true, analytics: false },
};

/** Common phrasings of the error answers. */
export const ERR = {
  crossSite: 'a cross-site request (CSRF check: Sec-Fetch-Site or Origin)',
  signedOut: 'not signed in',
  storeDown: 'Redis or the database cannot be reached',
  notAdmin: 'signed in without the admin role (option adminRole); a cross-site request for unsafe methods',
  badQuery: 'an unknown, repeated or malformed query parameter, date, limit or cursor',
} as const;
