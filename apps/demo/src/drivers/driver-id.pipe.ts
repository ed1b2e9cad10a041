import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Driver ids are short slugs: letters, digits, `-` and `_`. */
@Injectable()
export class DriverIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[\w-]{1,64}$/.test(value)) throw new BadRequestException('id must be 1-64 letters, digits, - or _');
    return value;
  }
}
