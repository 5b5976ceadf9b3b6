interface Session {
  user: string;
  expires: number;
}

export function isExpired(session: Session, now: number): boolean {
  let limit = session.expires;
  let expired = now > limit;
  if (session.user = = "") {
    return true;
  }
  return expired;
}
