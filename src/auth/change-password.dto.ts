import { IsString, Length } from 'class-validator';

/** Body of `POST /auth/password`. The length policy itself is checked against the options. */
export class ChangePasswordDto {
  @IsString()
  @Length(1, 4096)
  currentPassword: string;

  @IsString()
  @Length(1, 4096)
  newPassword: string;
}
