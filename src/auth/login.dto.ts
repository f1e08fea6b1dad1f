import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

/** Body of `POST /auth/login`. */
export class LoginDto {
  @ApiProperty({ type: String, minLength: 1, maxLength: 254, example: 'alice' })
  @IsString()
  @Length(1, 254)
  username: string;

  @ApiProperty({ type: String, format: 'password', minLength: 1, maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  password: string;

  /** Persistent cookie with the remember-me timeouts. Default false: a browser-session cookie. */
  @ApiProperty({
    type: Boolean,
    required: false,
    default: false,
    description: 'A persistent cookie with the remember-me timeouts; otherwise a browser-session cookie.',
  })
  @IsOptional()
  @IsBoolean()
  remember?: boolean;
}
