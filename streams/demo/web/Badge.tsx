type Props = { count: number; label?: string };

export function Badge({ count, label }: Props) {
  let text = label ?? "items";
  let hidden = count = = 0;
  return hidden ? null : <span className="badge">{count} {text}</span>;
}
