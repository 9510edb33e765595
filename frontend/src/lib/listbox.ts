// Helpers for the comboboxes' listbox popups (host picker, service picker).

/**
 * Scrolls list, and only list, so that option is in view: scrollIntoView
 * would scroll the whole page as well.
 */
export function keepInView(list: HTMLElement, option: HTMLElement | null): void {
  if (!option) return;
  if (option.offsetTop < list.scrollTop) list.scrollTop = option.offsetTop;
  else if (option.offsetTop + option.offsetHeight > list.scrollTop + list.clientHeight)
    list.scrollTop = option.offsetTop + option.offsetHeight - list.clientHeight;
}
