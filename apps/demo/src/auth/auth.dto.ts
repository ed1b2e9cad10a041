import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' }) @IsEmail() email: string;
  @ApiProperty({ example: 'demo-password' }) @IsString() @Length(1, 200) password: string;
  @ApiPropertyOptional({ example: 'Laptop', description: 'a label shown in GET /auth/sessions' }) @IsOptional() @IsString() @Length(1, 60) device?: string;
  @ApiPropertyOptional({ enum: ['cookie', 'bearer'], default: 'cookie', description: 'cookie: HttpOnly session cookie; bearer: the token in the body, for API clients' })
  @IsOptional()
  @IsIn(['cookie', 'bearer'])
  transport?: 'cookie' | 'bearer';
}

export class VerifyDto {
  @ApiProperty({ example: '123456', description: 'the demo accepts 123456 (a stand-in for a biometric or OTP check)' }) @IsString() @Length(1, 20) code: string;
}

export class UserDto {
  @ApiProperty() id: number;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
}

export class SessionSummaryDto {
  @ApiProperty({ description: 'public session id (SHA-256 of the token)' }) id: string;
  @ApiProperty() createdAt: number;
  @ApiProperty() expiresAt: number;
  @ApiProperty() absoluteExpiresAt: number;
}

export class LoginResponseDto {
  @ApiProperty() user: UserDto;
  @ApiProperty() session: SessionSummaryDto;
  @ApiPropertyOptional({ description: 'only with transport: bearer' }) token?: string;
}

export class DeviceDto {
  @ApiProperty() id: string;
  @ApiPropertyOptional() device?: string;
  @ApiPropertyOptional() ip?: string;
  @ApiPropertyOptional() userAgent?: string;
  @ApiProperty() createdAt: number;
  @ApiProperty() lastActiveAt: number;
  @ApiProperty() current: boolean;
}
