import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of `POST /auth/password`. The length policy itself is checked against the options. */
export class ChangePasswordDto {
  @ApiProperty({ type: String, format: 'password', minLength: 1, maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  currentPassword: string;

  @ApiProperty({
    type: String,
    format: 'password',
    minLength: 1,
    maxLength: 4096,
    description: 'Within auth.password (default 8-128 characters).',
  })
  @IsString()
  @Length(1, 4096)
  newPassword: string;
}
