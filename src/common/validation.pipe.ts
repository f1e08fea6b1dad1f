import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { assertPlainJsonBody } from './json-body.shape.js';

/** A ValidationPipe that first refuses body shapes class-transformer cannot survive (400 instead of a 500). */
class ShapeCheckingValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) assertPlainJsonBody(value);
    return super.transform(value, metadata);
  }
}

/** The pipe the module's controllers use: unknown properties are rejected, values are converted to the DTO's types; bodies nested deeper than 16 levels or with prototype keys are 400. */
export function createAuthConsentValidationPipe(): ValidationPipe {
  return new ShapeCheckingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
  });
}
