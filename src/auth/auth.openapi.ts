import { ApiProperty } from '@nestjs/swagger';
import { NULLABLE_DATE_TIME } from '../common/openapi.js';

/** OpenAPI shapes of the /auth answers. */
export class AuthUserResponse {
  @ApiProperty({ type: String })
  id: string;

  @ApiProperty({ type: String })
  username: string;

  @ApiProperty({ type: [String], example: ['admin'] })
  roles: string[];
}

export class LoginResponse {
  @ApiProperty({ type: AuthUserResponse })
  user: AuthUserResponse;
}

export class SessionTimesResponse {
  @ApiProperty(NULLABLE_DATE_TIME)
  createdAt: string | null;

  @ApiProperty(NULLABLE_DATE_TIME)
  lastSeenAt: string | null;

  @ApiProperty(NULLABLE_DATE_TIME)
  idleExpiresAt: string | null;

  @ApiProperty(NULLABLE_DATE_TIME)
  absoluteExpiresAt: string | null;

  @ApiProperty({ type: Boolean })
  remember: boolean;
}

export class MeResponse {
  @ApiProperty({ type: AuthUserResponse })
  user: AuthUserResponse;

  @ApiProperty({ type: SessionTimesResponse })
  session: SessionTimesResponse;
}

export class OwnSessionResponse {
  @ApiProperty({
    type: String,
    description: 'Opaque handle (truncated SHA-256 of the session ID), never the session ID.',
  })
  handle: string;

  @ApiProperty(NULLABLE_DATE_TIME)
  createdAt: string | null;

  @ApiProperty(NULLABLE_DATE_TIME)
  lastSeenAt: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The device as it named itself at login.' })
  userAgent: string | null;

  @ApiProperty({ type: Boolean })
  remember: boolean;

  @ApiProperty({ type: Boolean, description: 'The session of this request.' })
  current: boolean;
}
