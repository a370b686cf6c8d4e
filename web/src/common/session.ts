// What every page needs: the bearer token and the listing, from the page's own URL.
// The token travels in the fragment (#token=...), which browsers never send to a server nor put
// in a Referer; the page keeps it in sessionStorage (this tab only) and removes it from the
// address bar, so it is not bookmarked or shared by accident.
import { MediaApi } from "../../client/api";

const kTokenKey = "toq-media.token";

export function takeToken(): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromUrl = fragment.get("token");
  if (fromUrl) {
    sessionStorage.setItem(kTokenKey, fromUrl);
    fragment.delete("token");
    const rest = fragment.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
    return fromUrl;
  }
  return sessionStorage.getItem(kTokenKey);
}

/** The listing id of ?listing=ID, or null. */
export function listingFromUrl(): number | null {
  const text = new URLSearchParams(location.search).get("listing");
  if (!text || !/^[1-9][0-9]{0,17}$/.test(text)) return null;
  return Number(text);
}

/** The API with the bearer token: a string, or a function when the page can be given a new one. */
export function makeApi(token: string | (() => string)): MediaApi {
  return new MediaApi({ baseUrl: location.origin, token });
}

export function $(selector: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(selector);
  if (!element) throw new Error(`missing element ${selector}`);
  return element;
}

export function el<K extends keyof HTMLElementTagNameMap>(
    tag: K, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") element.className = value;
    else element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString("pt-BR", { maximumFractionDigits: digits })} ${units[unit]}`;
}
