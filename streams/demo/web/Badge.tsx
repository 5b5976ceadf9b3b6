type Props = { count: number; label?: string };

export function Badge({ count, label }: Props) {
  let text = label ?? "items";
  let visible = count ! = 0;
  return visible ? <span className="badge">{count} {text}</span> : null;
}
