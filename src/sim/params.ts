/**
 * Every physical constant of the acquisition simulator, in one place, with units in the names. The values
 * follow the SR-CACO-2 paper (Zeiss LSM700, 20x/0.8 NA, HR pixel 0.156289 um, 10x10 fields per tile, HR =
 * average of 8 scans, LR = one scan at 2/4/8x larger pixels, same scan speed) and are written verbatim to
 * truth.json so that a simulated dataset states exactly how it was made.
 */

/** The three markers, in plane order (plane k = CELLk). */
export const MARKERS = ['survivin', 'ecadherin', 'h2b'] as const;
export type MarkerName = (typeof MARKERS)[number];

/** The LR scale factors, in acquisition order after HR. */
export const LR_SCALES = [2, 4, 8] as const;
export type LrScale = (typeof LR_SCALES)[number];

export interface MarkerParams {
  /** Fluorophore, for the record. */
  fluorophore: string;
  /** Peak emission wavelength; sets the lateral PSF width. */
  emissionNm: number;
  /** Fraction of the signal lost per HR-density scan (one full scan at HR pixel size). */
  bleachPerHrScan: number;
  /** Weight of out-of-focus (defocused) tissue added as haze, in 8-bit counts per unit tissue density. */
  hazeCounts: number;
}

export interface SimParams {
  /** Format version of these parameters (bumped when the model changes what a seed produces). */
  modelVersion: number;
  pixelSizeHrUm: number;
  numericalAperture: number;
  /** Fields per tile side (the tile is a stitched fields x fields grid). */
  fieldsPerSide: number;
  /** Scans averaged into one HR image. */
  hrAveraging: number;
  markers: Record<MarkerName, MarkerParams>;
  specimen: {
    /** Cell diameter (spacing of cell centres). */
    cellDiameterUm: number;
    /** Cyst outer radius range (log-uniform); the upper end is also capped at a quarter of the tile. */
    cystRadiusUm: [number, number];
    /** Probabilities of the cyst types hollow single-layered, multi-layered, solid. */
    cystTypeWeights: [number, number, number];
    /** Fraction of the tile area covered by cyst cross-sections (range drawn per tile). */
    coverage: [number, number];
    /** Nucleus radius range. */
    nucleusRadiusUm: [number, number];
    /** Fraction of cells in mitosis (condensed, brighter chromatin). */
    mitoticFraction: number;
    /** Fraction of cells with a survivin-labelled midbody to a neighbour. */
    midbodyFraction: number;
  };
  /** Expected in-focus signal of one scan, in 8-bit counts (before bleaching, blur and noise). */
  brightness: {
    h2bNucleus: number;
    h2bMitotic: number;
    h2bCytoplasm: number;
    ecadMembrane: number;
    ecadCytoplasm: number;
    survivinDiffuse: number;
    survivinMidbody: number;
  };
  /** E-cadherin membrane half-thickness (Gaussian sigma). */
  membraneSigmaUm: number;
  /** Survivin midbody size (Gaussian sigma). */
  midbodySigmaUm: number;
  detector: {
    /** 8-bit counts per detected photon (PMT gain x ADC). */
    countsPerPhoton: number;
    /** PMT excess noise factor F^2 (variance of the gain relative to Poisson). */
    excessNoiseFactor: number;
    /** Dark offset added to every scan, in counts. */
    offsetCounts: number;
    /** Electronic read noise per scan, in counts (sigma). */
    readNoiseCounts: number;
    /** Background photons per scan per pixel (stray light, autofluorescence). */
    backgroundPhotons: number;
  };
  stage: {
    /** Per-LR-acquisition constant offset range (uniform in [-max, max] per axis). */
    offsetMaxUm: number;
    /** Amplitude of the smooth field-to-field drift added to the offset. */
    driftAmplitudeUm: number;
  };
}

/** The default parameters (what `srcaco simulate` uses). */
export function defaultSimParams(): SimParams {
  return {
    modelVersion: 1,
    pixelSizeHrUm: 0.156289,
    numericalAperture: 0.8,
    fieldsPerSide: 10,
    hrAveraging: 8,
    markers: {
      // Survivin via Alexa Fluor 488 secondary (paper, §3.1): emission ~520 nm.
      survivin: { fluorophore: 'Alexa Fluor 488', emissionNm: 520, bleachPerHrScan: 0.006, hazeCounts: 1.5 },
      // E-cadherin via Alexa Fluor 647 secondary (paper, §3.1): emission ~668 nm (GFP-tubulin tiles: ~510 nm).
      ecadherin: { fluorophore: 'Alexa Fluor 647', emissionNm: 668, bleachPerHrScan: 0.004, hazeCounts: 2.5 },
      // mCherry-Histone H2B: emission ~610 nm; fluorescent proteins bleach faster than Alexa dyes.
      h2b: { fluorophore: 'mCherry', emissionNm: 610, bleachPerHrScan: 0.01, hazeCounts: 4 },
    },
    specimen: {
      cellDiameterUm: 11,
      cystRadiusUm: [6, 160],
      cystTypeWeights: [0.55, 0.3, 0.15],
      coverage: [0.27, 0.37],
      nucleusRadiusUm: [3.6, 4.8],
      mitoticFraction: 0.04,
      midbodyFraction: 0.08,
    },
    brightness: {
      h2bNucleus: 70,
      h2bMitotic: 200,
      h2bCytoplasm: 3.9,
      ecadMembrane: 90,
      ecadCytoplasm: 4.0,
      survivinDiffuse: 2.6,
      survivinMidbody: 160,
    },
    membraneSigmaUm: 0.25,
    midbodySigmaUm: 0.35,
    detector: {
      countsPerPhoton: 2,
      excessNoiseFactor: 1.4,
      offsetCounts: 0.3,
      readNoiseCounts: 0.6,
      backgroundPhotons: 0.05,
    },
    stage: { offsetMaxUm: 0.4, driftAmplitudeUm: 0.15 },
  };
}

/** Lateral PSF width (Gaussian sigma) in HR pixels: sigma = 0.21 * lambda / NA (Zhang et al. 2007). */
export function psfSigmaHrPx(params: SimParams, marker: MarkerName): number {
  const sigmaUm = (0.21 * params.markers[marker].emissionNm * 1e-3) / params.numericalAperture;
  return sigmaUm / params.pixelSizeHrUm;
}
