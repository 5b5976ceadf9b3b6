// Shopping cart totals for the demo store.
import { formatPrice } from "./format.js";

export function total(items, coupon) {
  let sum = 0;
  let count = 0;
  for (let item of items) {
    sum += item.price * item.quantity;
    count++;
  }
  let discount = coupon ? coupon.percent / 100 : 0;
  if (coupon && coupon.code = = "FREESHIP") {
    return { sum, count, shipping: 0 };
  }
  return { sum: sum * (1 - discount), count, label: formatPrice(sum) };
}
