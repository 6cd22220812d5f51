import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { UserDto } from 'src/users/dto/user.dto';

export class TokenResponseDto {
  @ApiProperty({ description: 'ES256 JWT (`typ: at+jwt`); send it as `Authorization: Bearer …`.' })
  accessToken!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires.', example: 900 })
  expiresIn!: number;

  @ApiPropertyOptional({
    description: 'Only with `transport: "body"`; otherwise it is in the cookie.',
  })
  refreshToken?: string;

  @ApiProperty({ description: 'Seconds until the refresh token expires.', example: 604800 })
  refreshExpiresIn!: number;

  @ApiPropertyOptional({ type: UserDto })
  user?: UserDto;
}
