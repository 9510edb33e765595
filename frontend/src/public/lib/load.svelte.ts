// Loading a booking by its token, shared by the three token pages.
import * as api from '../api';
import type { PublicBooking } from '../api';
import { tokenProblem } from './errors';

export class BookingLoad {
  booking: PublicBooking | null = $state(null);
  error = $state('');
  loading = $state(true);

  constructor(
    readonly token: string,
    onplace: (name: string) => void,
  ) {
    api
      .getBooking(token)
      .then((b) => {
        this.booking = b;
        onplace(b.building.name);
      })
      .catch((err) => {
        this.error = tokenProblem(err);
      })
      .finally(() => {
        this.loading = false;
      });
  }
}
