import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { UserDto } from 'src/users/dto/user.dto';

export class TokenResponseDto {
  @ApiProperty({
    description: 'ES256 JWT (`typ: at+jwt`); send it as `Authorization: Bearer …`.',
    example:
      'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Ik56YkxzWGg4In0.eyJzdWIiOiIzZjFjMmI3ZSJ9.c2lnbmF0dXJl',
  })
  accessToken!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires.', example: 900 })
  expiresIn!: number;

  @ApiPropertyOptional({
    description:
      'Only with `transport: "body"`; otherwise it is in the cookie. HS256 JWT (`typ: rt+jwt`).',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6InJ0K2p3dCJ9.eyJzaWQiOiI4YTRkNGUwYiJ9.c2lnbmF0dXJl',
  })
  refreshToken?: string;

  @ApiProperty({ description: 'Seconds until the refresh token expires.', example: 604800 })
  refreshExpiresIn!: number;

  @ApiPropertyOptional({
    description:
      'Only on a login or registration with `transport: "body"`; otherwise it is the `device` cookie. Send it with the next logins from this device: a flood of wrong passwords for the account does not hold them back.',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImRldmljZStqd3QifQ.eyJzdWIiOiIzZjFjMmI3ZSJ9.c2lnbmF0dXJl',
  })
  deviceToken?: string;

  @ApiPropertyOptional({ type: UserDto })
  user?: UserDto;
}
