import { defineCapability } from '../capability.js';
import { ReservationOptionsDto } from './reservation.options.js';
import { ReservationService } from './reservation.service.js';

/** Stock with expiring holds: `ReservationService`. */
export const reservationCapability = defineCapability({
  section: 'reservation',
  optionsDto: ReservationOptionsDto,
  providers: [ReservationService],
});
