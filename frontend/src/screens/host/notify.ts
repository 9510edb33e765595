// Telling a host that a visitor waits: a sound and a desktop notification
// (the Notification API; in the desktop window WebKit shows it too). The
// screen itself shows the banner; these reach a host who looks elsewhere.
import { chime } from '../monitor/chime';

/** Whether the desk may show desktop notifications, or could ask. */
export function notificationState(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks for permission; must run from a click. */
export async function askNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** Chimes and, when allowed, shows a desktop notification that brings the window forward on click. */
export function announce(title: string, body: string, tag: string): void {
  chime();
  if (notificationState() !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, requireInteraction: true });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some browsers allow notifications only from a service worker: the
    // banner and the sound still tell the host.
  }
}
