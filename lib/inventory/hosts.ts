import { InventoryError } from './errors.js';

/**
 * CCR (personal edition) registry host prefix per region: `<prefix>.ccs.tencentyun.com`. The original's
 * RegionPrefix table (image-transfer.md 4.3), plus ap-jakarta and sa-saopaulo (tencent.md 5.3).
 */
export const CCR_REGION_PREFIX: Readonly<Record<string, string>> = {
  'ap-guangzhou': 'ccr',
  'ap-shanghai': 'ccr',
  'ap-nanjing': 'ccr',
  'ap-beijing': 'ccr',
  'ap-shenzhen': 'ccr',
  'ap-chongqing': 'ccr',
  'ap-chengdu': 'ccr',
  'ap-tianjin': 'ccr',
  'ap-hongkong': 'hkccr',
  'ap-shenzhen-fsi': 'szjrccr',
  'ap-shanghai-fsi': 'shjrccr',
  'ap-beijing-fsi': 'bjjrccr',
  'ap-singapore': 'sgccr',
  'ap-seoul': 'krccr',
  'ap-tokyo': 'jpccr',
  'ap-mumbai': 'inccr',
  'ap-bangkok': 'thccr',
  'ap-jakarta': 'jktccr',
  'na-toronto': 'caccr',
  'na-siliconvalley': 'uswccr',
  'na-ashburn': 'useccr',
  'eu-frankfurt': 'deccr',
  'eu-moscow': 'ruccr',
  'sa-saopaulo': 'saoccr',
};

export function ccrHostForRegion(region: string): string | undefined {
  const prefix = Object.hasOwn(CCR_REGION_PREFIX, region) ? CCR_REGION_PREFIX[region] : undefined;
  return prefix ? `${prefix}.ccs.tencentyun.com` : undefined;
}

/** The CCR host of a region; an unknown region is an error (the original silently used `.ccs.tencentyun.com`). */
export function ccrHost(region: string): string {
  const host = ccrHostForRegion(region);
  if (!host)
    throw new InventoryError(
      'CCR_REGION_UNKNOWN',
      `--ccrRegion ${region}: no CCR registry is known for this region (known: ${Object.keys(CCR_REGION_PREFIX).join(', ')})`,
    );
  return host;
}

/** The TCR enterprise registry host of an instance. */
export function tcrHost(tcrName: string): string {
  return `${tcrName}.tencentcloudcr.com`;
}
