import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI shapes of `GET /health`. */
export class HealthResponse {
  @ApiProperty({ type: String, enum: ['ok', 'error'] })
  status: 'ok' | 'error';

  @ApiProperty({
    type: String,
    enum: ['up', 'down', 'in-process'],
    description: '`in-process` without Redis (development).',
  })
  redis: 'up' | 'down' | 'in-process';

  @ApiProperty({ type: String, enum: ['up', 'down'] })
  database: 'up' | 'down';
}

export class HealthDownResponse extends HealthResponse {
  @ApiProperty({ type: Number, example: 503 })
  statusCode: number;

  @ApiProperty({ type: String, example: 'Service Unavailable' })
  error: string;

  @ApiProperty({ type: String, example: 'redis unavailable' })
  message: string;
}
