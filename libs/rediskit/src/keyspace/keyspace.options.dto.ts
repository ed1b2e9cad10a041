import { IsOptional, IsString, Matches } from 'class-validator';
import { SEPARATOR } from './keyspace.js';

// Key segments we control must not contain what user parts are encoded against.
const SAFE_SEGMENT = /^[^:*?[\]{}\\\s%]+$/;
/** Validates the `keyspace` options at boot. */
export class KeyspaceOptionsDto {
  @IsOptional() @Matches(SAFE_SEGMENT, { message: 'keyspace.prefix must not contain : * ? [ ] { } \\ % or spaces' }) prefix?: string;
  @IsOptional() @Matches(SAFE_SEGMENT, { message: 'keyspace.app must not contain : * ? [ ] { } \\ % or spaces' }) app?: string;
  @IsOptional() @Matches(SAFE_SEGMENT, { message: 'keyspace.env must not contain : * ? [ ] { } \\ % or spaces' }) env?: string;
  @IsOptional() @IsString() @Matches(SEPARATOR, { message: 'keyspace.separator must be one punctuation character other than * ? [ ] { } \\ %' }) separator?: string;
}
