import { LOCATION_ATTRIBUTION } from '@/lib/location';

/** DB-IP's licence (CC BY 4.0) asks for a link wherever a location from its database is shown. */
export function LocationAttribution() {
  return (
    <p className="text-xs text-slate-500">
      Locations are approximate, from the IP address.{' '}
      <a href={LOCATION_ATTRIBUTION.href} className="underline underline-offset-2" rel="noopener noreferrer" target="_blank">
        {LOCATION_ATTRIBUTION.text}
      </a>
    </p>
  );
}
