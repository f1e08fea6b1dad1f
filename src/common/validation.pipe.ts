import { ValidationPipe } from '@nestjs/common';

/** The pipe the module's controllers use: unknown properties are rejected, values are converted to the DTO's types. */
export function createAuthConsentValidationPipe(): ValidationPipe {
  return new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true });
}
