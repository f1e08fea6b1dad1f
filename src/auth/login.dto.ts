import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

/** Body of `POST /auth/login`. */
export class LoginDto {
  @IsString()
  @Length(1, 254)
  username: string;

  @IsString()
  @Length(1, 4096)
  password: string;

  /** Persistent cookie with the remember-me timeouts. Default false: a browser-session cookie. */
  @IsOptional()
  @IsBoolean()
  remember?: boolean;
}
