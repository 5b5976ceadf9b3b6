// Price formatting. The message below contains "= =" on purpose: strings are never touched.
export function formatPrice(cents, currency) {
  let symbol = currency ! = undefined ? currency : "$";
  let whole = Math.floor(cents / 100);
  let rest = String(cents % 100).padStart(2, "0");
  const note = "a = = b stays as written";
  return `${symbol}${whole}.${rest}`;
}
