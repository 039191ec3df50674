#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 379:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const ANY = Symbol('SemVer ANY')
// hoisted class for cyclic dependency
class Comparator {
  static get ANY () {
    return ANY
  }

  constructor (comp, options) {
    options = parseOptions(options)

    if (comp instanceof Comparator) {
      if (comp.loose === !!options.loose) {
        return comp
      } else {
        comp = comp.value
      }
    }

    comp = comp.trim().split(/\s+/).join(' ')
    debug('comparator', comp, options)
    this.options = options
    this.loose = !!options.loose
    this.parse(comp)

    if (this.semver === ANY) {
      this.value = ''
    } else {
      this.value = this.operator + this.semver.version
    }

    debug('comp', this)
  }

  parse (comp) {
    const r = this.options.loose ? re[t.COMPARATORLOOSE] : re[t.COMPARATOR]
    const m = comp.match(r)

    if (!m) {
      throw new TypeError(`Invalid comparator: ${comp}`)
    }

    this.operator = m[1] !== undefined ? m[1] : ''
    if (this.operator === '=') {
      this.operator = ''
    }

    // if it literally is just '>' or '' then allow anything.
    if (!m[2]) {
      this.semver = ANY
    } else {
      this.semver = new SemVer(m[2], this.options.loose)
    }
  }

  toString () {
    return this.value
  }

  test (version) {
    debug('Comparator.test', version, this.options.loose)

    if (this.semver === ANY || version === ANY) {
      return true
    }

    if (typeof version === 'string') {
      try {
        version = new SemVer(version, this.options)
      } catch (er) {
        return false
      }
    }

    return cmp(version, this.operator, this.semver, this.options)
  }

  intersects (comp, options) {
    if (!(comp instanceof Comparator)) {
      throw new TypeError('a Comparator is required')
    }

    if (this.operator === '') {
      if (this.value === '') {
        return true
      }
      return new Range(comp.value, options).test(this.value)
    } else if (comp.operator === '') {
      if (comp.value === '') {
        return true
      }
      return new Range(this.value, options).test(comp.semver)
    }

    options = parseOptions(options)

    // Special cases where nothing can possibly be lower
    if (options.includePrerelease &&
      (this.value === '<0.0.0-0' || comp.value === '<0.0.0-0')) {
      return false
    }
    if (!options.includePrerelease &&
      (this.value.startsWith('<0.0.0') || comp.value.startsWith('<0.0.0'))) {
      return false
    }

    // Same direction increasing (> or >=)
    if (this.operator.startsWith('>') && comp.operator.startsWith('>')) {
      return true
    }
    // Same direction decreasing (< or <=)
    if (this.operator.startsWith('<') && comp.operator.startsWith('<')) {
      return true
    }
    // same SemVer and both sides are inclusive (<= or >=)
    if (
      (this.semver.version === comp.semver.version) &&
      this.operator.includes('=') && comp.operator.includes('=')) {
      return true
    }
    // opposite directions less than
    if (cmp(this.semver, '<', comp.semver, options) &&
      this.operator.startsWith('>') && comp.operator.startsWith('<')) {
      return true
    }
    // opposite directions greater than
    if (cmp(this.semver, '>', comp.semver, options) &&
      this.operator.startsWith('<') && comp.operator.startsWith('>')) {
      return true
    }
    return false
  }
}

module.exports = Comparator

const parseOptions = __nccwpck_require__(356)
const { safeRe: re, t } = __nccwpck_require__(471)
const cmp = __nccwpck_require__(646)
const debug = __nccwpck_require__(159)
const SemVer = __nccwpck_require__(163)
const Range = __nccwpck_require__(782)


/***/ }),

/***/ 782:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SPACE_CHARACTERS = /\s+/g

// hoisted class for cyclic dependency
class Range {
  constructor (range, options) {
    options = parseOptions(options)

    if (range instanceof Range) {
      if (
        range.loose === !!options.loose &&
        range.includePrerelease === !!options.includePrerelease
      ) {
        return range
      } else {
        return new Range(range.raw, options)
      }
    }

    if (range instanceof Comparator) {
      // just put it in the set and return
      this.raw = range.value
      this.set = [[range]]
      this.formatted = undefined
      return this
    }

    this.options = options
    this.loose = !!options.loose
    this.includePrerelease = !!options.includePrerelease

    // First reduce all whitespace as much as possible so we do not have to rely
    // on potentially slow regexes like \s*. This is then stored and used for
    // future error messages as well.
    this.raw = range.trim().replace(SPACE_CHARACTERS, ' ')

    // First, split on ||
    this.set = this.raw
      .split('||')
      // map the range to a 2d array of comparators
      .map(r => this.parseRange(r.trim()))
      // throw out any comparator lists that are empty
      // this generally means that it was not a valid range, which is allowed
      // in loose mode, but will still throw if the WHOLE range is invalid.
      .filter(c => c.length)

    if (!this.set.length) {
      throw new TypeError(`Invalid SemVer Range: ${this.raw}`)
    }

    // if we have any that are not the null set, throw out null sets.
    if (this.set.length > 1) {
      // keep the first one, in case they're all null sets
      const first = this.set[0]
      this.set = this.set.filter(c => !isNullSet(c[0]))
      if (this.set.length === 0) {
        this.set = [first]
      } else if (this.set.length > 1) {
        // if we have any that are *, then the range is just *
        for (const c of this.set) {
          if (c.length === 1 && isAny(c[0])) {
            this.set = [c]
            break
          }
        }
      }
    }

    this.formatted = undefined
  }

  get range () {
    if (this.formatted === undefined) {
      this.formatted = ''
      for (let i = 0; i < this.set.length; i++) {
        if (i > 0) {
          this.formatted += '||'
        }
        const comps = this.set[i]
        for (let k = 0; k < comps.length; k++) {
          if (k > 0) {
            this.formatted += ' '
          }
          this.formatted += comps[k].toString().trim()
        }
      }
    }
    return this.formatted
  }

  format () {
    return this.range
  }

  toString () {
    return this.range
  }

  parseRange (range) {
    // strip build metadata so it can't bleed into the version
    range = range.replace(BUILDSTRIPRE, '')

    // memoize range parsing for performance.
    // this is a very hot path, and fully deterministic.
    const memoOpts =
      (this.options.includePrerelease && FLAG_INCLUDE_PRERELEASE) |
      (this.options.loose && FLAG_LOOSE)
    const memoKey = memoOpts + ':' + range
    const cached = cache.get(memoKey)
    if (cached) {
      return cached
    }

    const loose = this.options.loose
    // `1.2.3 - 1.2.4` => `>=1.2.3 <=1.2.4`
    const hr = loose ? re[t.HYPHENRANGELOOSE] : re[t.HYPHENRANGE]
    range = range.replace(hr, hyphenReplace(this.options.includePrerelease))
    debug('hyphen replace', range)

    // `> 1.2.3 < 1.2.5` => `>1.2.3 <1.2.5`
    range = trimComparatorWhitespace(range)
    debug('comparator trim', range)

    // `~ 1.2.3` => `~1.2.3`
    range = range.replace(re[t.TILDETRIM], tildeTrimReplace)
    debug('tilde trim', range)

    // `^ 1.2.3` => `^1.2.3`
    range = range.replace(re[t.CARETTRIM], caretTrimReplace)
    debug('caret trim', range)

    // At this point, the range is completely trimmed and
    // ready to be split into comparators.

    let rangeList = range
      .split(' ')
      .map(comp => parseComparator(comp, this.options))
      .join(' ')
      .split(/\s+/)
      // >=0.0.0 is equivalent to *
      .map(comp => replaceGTE0(comp, this.options))

    if (loose) {
      // in loose mode, throw out any that are not valid comparators
      rangeList = rangeList.filter(comp => {
        debug('loose invalid filter', comp, this.options)
        return !!comp.match(re[t.COMPARATORLOOSE])
      })
    }
    debug('range list', rangeList)

    // if any comparators are the null set, then replace with JUST null set
    // if more than one comparator, remove any * comparators
    // also, don't include the same comparator more than once
    const rangeMap = new Map()
    const comparators = rangeList.map(comp => new Comparator(comp, this.options))
    for (const comp of comparators) {
      if (isNullSet(comp)) {
        return [comp]
      }
      rangeMap.set(comp.value, comp)
    }
    if (rangeMap.size > 1 && rangeMap.has('')) {
      rangeMap.delete('')
    }

    const result = [...rangeMap.values()]
    cache.set(memoKey, result)
    return result
  }

  intersects (range, options) {
    if (!(range instanceof Range)) {
      throw new TypeError('a Range is required')
    }

    return this.set.some((thisComparators) => {
      return (
        isSatisfiable(thisComparators, options) &&
        range.set.some((rangeComparators) => {
          return (
            isSatisfiable(rangeComparators, options) &&
            thisComparators.every((thisComparator) => {
              return rangeComparators.every((rangeComparator) => {
                return thisComparator.intersects(rangeComparator, options)
              })
            })
          )
        })
      )
    })
  }

  // if ANY of the sets match ALL of its comparators, then pass
  test (version) {
    if (!version) {
      return false
    }

    if (typeof version === 'string') {
      try {
        version = new SemVer(version, this.options)
      } catch (er) {
        return false
      }
    }

    for (let i = 0; i < this.set.length; i++) {
      if (testSet(this.set[i], version, this.options)) {
        return true
      }
    }
    return false
  }
}

module.exports = Range

const LRU = __nccwpck_require__(383)
const cache = new LRU()

const parseOptions = __nccwpck_require__(356)
const Comparator = __nccwpck_require__(379)
const debug = __nccwpck_require__(159)
const SemVer = __nccwpck_require__(163)
const trimComparatorWhitespace = __nccwpck_require__(737)
const {
  safeRe: re,
  src,
  t,
  tildeTrimReplace,
  caretTrimReplace,
} = __nccwpck_require__(471)
const { FLAG_INCLUDE_PRERELEASE, FLAG_LOOSE } = __nccwpck_require__(101)

// unbounded global build-metadata stripper used by parseRange
const BUILDSTRIPRE = new RegExp(src[t.BUILD], 'g')

const isNullSet = c => c.value === '<0.0.0-0'
const isAny = c => c.value === ''

// take a set of comparators and determine whether there
// exists a version which can satisfy it
const isSatisfiable = (comparators, options) => {
  let result = true
  const remainingComparators = comparators.slice()
  let testComparator = remainingComparators.pop()

  while (result && remainingComparators.length) {
    result = remainingComparators.every((otherComparator) => {
      return testComparator.intersects(otherComparator, options)
    })

    testComparator = remainingComparators.pop()
  }

  return result
}

// comprised of xranges, tildes, stars, and gtlt's at this point.
// already replaced the hyphen ranges
// turn into a set of JUST comparators.
const parseComparator = (comp, options) => {
  comp = comp.replace(re[t.BUILD], '')
  debug('comp', comp, options)
  comp = replaceCarets(comp, options)
  debug('caret', comp)
  comp = replaceTildes(comp, options)
  debug('tildes', comp)
  comp = replaceXRanges(comp, options)
  debug('xrange', comp)
  comp = replaceStars(comp, options)
  debug('stars', comp)
  return comp
}

const isX = id => !id || id.toLowerCase() === 'x' || id === '*'

const invalidXRangeOrder = (M, m, p) => (
  (isX(M) && !isX(m)) ||
  (isX(m) && p && !isX(p))
)

// ~, ~> --> * (any, kinda silly)
// ~2, ~2.x, ~2.x.x, ~>2, ~>2.x ~>2.x.x --> >=2.0.0 <3.0.0-0
// ~2.0, ~2.0.x, ~>2.0, ~>2.0.x --> >=2.0.0 <2.1.0-0
// ~1.2, ~1.2.x, ~>1.2, ~>1.2.x --> >=1.2.0 <1.3.0-0
// ~1.2.3, ~>1.2.3 --> >=1.2.3 <1.3.0-0
// ~1.2.0, ~>1.2.0 --> >=1.2.0 <1.3.0-0
// ~0.0.1 --> >=0.0.1 <0.1.0-0
const replaceTildes = (comp, options) => {
  return comp
    .trim()
    .split(/\s+/)
    .map((c) => replaceTilde(c, options))
    .join(' ')
}

const replaceTilde = (comp, options) => {
  const r = options.loose ? re[t.TILDELOOSE] : re[t.TILDE]
  // if we're including prereleases in the match, then the lower bound is
  // -0, the lowest possible prerelease value, just like x-ranges and carets.
  // this keeps `~1.2` equivalent to the `1.2.x` x-range it's documented as.
  const z = options.includePrerelease ? '-0' : ''
  return comp.replace(r, (_, M, m, p, pr) => {
    debug('tilde', comp, _, M, m, p, pr)
    let ret

    if (isX(M)) {
      ret = ''
    } else if (isX(m)) {
      ret = `>=${M}.0.0${z} <${+M + 1}.0.0-0`
    } else if (isX(p)) {
      // ~1.2 == >=1.2.0 <1.3.0-0
      ret = `>=${M}.${m}.0${z} <${M}.${+m + 1}.0-0`
    } else if (pr) {
      debug('replaceTilde pr', pr)
      ret = `>=${M}.${m}.${p}-${pr
      } <${M}.${+m + 1}.0-0`
    } else {
      // ~1.2.3 == >=1.2.3 <1.3.0-0
      ret = `>=${M}.${m}.${p
      } <${M}.${+m + 1}.0-0`
    }

    debug('tilde return', ret)
    return ret
  })
}

// ^ --> * (any, kinda silly)
// ^2, ^2.x, ^2.x.x --> >=2.0.0 <3.0.0-0
// ^2.0, ^2.0.x --> >=2.0.0 <3.0.0-0
// ^1.2, ^1.2.x --> >=1.2.0 <2.0.0-0
// ^1.2.3 --> >=1.2.3 <2.0.0-0
// ^1.2.0 --> >=1.2.0 <2.0.0-0
// ^0.0.1 --> >=0.0.1 <0.0.2-0
// ^0.1.0 --> >=0.1.0 <0.2.0-0
const replaceCarets = (comp, options) => {
  return comp
    .trim()
    .split(/\s+/)
    .map((c) => replaceCaret(c, options))
    .join(' ')
}

const replaceCaret = (comp, options) => {
  debug('caret', comp, options)
  const r = options.loose ? re[t.CARETLOOSE] : re[t.CARET]
  const z = options.includePrerelease ? '-0' : ''
  return comp.replace(r, (_, M, m, p, pr) => {
    debug('caret', comp, _, M, m, p, pr)
    let ret

    if (isX(M)) {
      ret = ''
    } else if (isX(m)) {
      ret = `>=${M}.0.0${z} <${+M + 1}.0.0-0`
    } else if (isX(p)) {
      if (M === '0') {
        ret = `>=${M}.${m}.0${z} <${M}.${+m + 1}.0-0`
      } else {
        ret = `>=${M}.${m}.0${z} <${+M + 1}.0.0-0`
      }
    } else if (pr) {
      debug('replaceCaret pr', pr)
      if (M === '0') {
        if (m === '0') {
          ret = `>=${M}.${m}.${p}-${pr
          } <${M}.${m}.${+p + 1}-0`
        } else {
          ret = `>=${M}.${m}.${p}-${pr
          } <${M}.${+m + 1}.0-0`
        }
      } else {
        ret = `>=${M}.${m}.${p}-${pr
        } <${+M + 1}.0.0-0`
      }
    } else {
      debug('no pr')
      if (M === '0') {
        if (m === '0') {
          ret = `>=${M}.${m}.${p
          } <${M}.${m}.${+p + 1}-0`
        } else {
          ret = `>=${M}.${m}.${p
          } <${M}.${+m + 1}.0-0`
        }
      } else {
        ret = `>=${M}.${m}.${p
        } <${+M + 1}.0.0-0`
      }
    }

    debug('caret return', ret)
    return ret
  })
}

const replaceXRanges = (comp, options) => {
  debug('replaceXRanges', comp, options)
  return comp
    .split(/\s+/)
    .map((c) => replaceXRange(c, options))
    .join(' ')
}

const replaceXRange = (comp, options) => {
  comp = comp.trim()
  const r = options.loose ? re[t.XRANGELOOSE] : re[t.XRANGE]
  return comp.replace(r, (ret, gtlt, M, m, p, pr) => {
    debug('xRange', comp, ret, gtlt, M, m, p, pr)
    if (invalidXRangeOrder(M, m, p)) {
      return comp
    }

    const xM = isX(M)
    const xm = xM || isX(m)
    const xp = xm || isX(p)
    const anyX = xp

    if (gtlt === '=' && anyX) {
      gtlt = ''
    }

    // if we're including prereleases in the match, then we need
    // to fix this to -0, the lowest possible prerelease value
    pr = options.includePrerelease ? '-0' : ''

    if (xM) {
      if (gtlt === '>' || gtlt === '<') {
        // nothing is allowed
        ret = '<0.0.0-0'
      } else {
        // nothing is forbidden
        ret = '*'
      }
    } else if (gtlt && anyX) {
      // we know patch is an x, because we have any x at all.
      // replace X with 0
      if (xm) {
        m = 0
      }
      p = 0

      if (gtlt === '>') {
        // >1 => >=2.0.0
        // >1.2 => >=1.3.0
        gtlt = '>='
        if (xm) {
          M = +M + 1
          m = 0
          p = 0
        } else {
          m = +m + 1
          p = 0
        }
      } else if (gtlt === '<=') {
        // <=0.7.x is actually <0.8.0, since any 0.7.x should
        // pass.  Similarly, <=7.x is actually <8.0.0, etc.
        gtlt = '<'
        if (xm) {
          M = +M + 1
        } else {
          m = +m + 1
        }
      }

      if (gtlt === '<') {
        pr = '-0'
      }

      ret = `${gtlt + M}.${m}.${p}${pr}`
    } else if (xm) {
      ret = `>=${M}.0.0${pr} <${+M + 1}.0.0-0`
    } else if (xp) {
      ret = `>=${M}.${m}.0${pr
      } <${M}.${+m + 1}.0-0`
    }

    debug('xRange return', ret)

    return ret
  })
}

// Because * is AND-ed with everything else in the comparator,
// and '' means "any version", just remove the *s entirely.
const replaceStars = (comp, options) => {
  debug('replaceStars', comp, options)
  // Looseness is ignored here.  star is always as loose as it gets!
  return comp
    .trim()
    .replace(re[t.STAR], '')
}

const replaceGTE0 = (comp, options) => {
  debug('replaceGTE0', comp, options)
  return comp
    .trim()
    .replace(re[options.includePrerelease ? t.GTE0PRE : t.GTE0], '')
}

// This function is passed to string.replace(re[t.HYPHENRANGE])
// M, m, patch, prerelease, build
// 1.2 - 3.4.5 => >=1.2.0 <=3.4.5
// 1.2.3 - 3.4 => >=1.2.0 <3.5.0-0 Any 3.4.x will do
// 1.2 - 3.4 => >=1.2.0 <3.5.0-0
// TODO build?
const hyphenReplace = incPr => ($0,
  from, fM, fm, fp, fpr, fb,
  to, tM, tm, tp, tpr) => {
  if (isX(fM)) {
    from = ''
  } else if (isX(fm)) {
    from = `>=${fM}.0.0${incPr ? '-0' : ''}`
  } else if (isX(fp)) {
    from = `>=${fM}.${fm}.0${incPr ? '-0' : ''}`
  } else if (fpr) {
    from = `>=${from}`
  } else {
    from = `>=${from}${incPr ? '-0' : ''}`
  }

  if (isX(tM)) {
    to = ''
  } else if (isX(tm)) {
    to = `<${+tM + 1}.0.0-0`
  } else if (isX(tp)) {
    to = `<${tM}.${+tm + 1}.0-0`
  } else if (tpr) {
    to = `<=${tM}.${tm}.${tp}-${tpr}`
  } else if (incPr) {
    to = `<${tM}.${tm}.${+tp + 1}-0`
  } else {
    to = `<=${to}`
  }

  return `${from} ${to}`.trim()
}

const testSet = (set, version, options) => {
  for (let i = 0; i < set.length; i++) {
    if (!set[i].test(version)) {
      return false
    }
  }

  if (version.prerelease.length && !options.includePrerelease) {
    // Find the set of versions that are allowed to have prereleases
    // For example, ^1.2.3-pr.1 desugars to >=1.2.3-pr.1 <2.0.0
    // That should allow `1.2.3-pr.2` to pass.
    // However, `1.2.4-alpha.notready` should NOT be allowed,
    // even though it's within the range set by the comparators.
    for (let i = 0; i < set.length; i++) {
      debug(set[i].semver)
      if (set[i].semver === Comparator.ANY) {
        continue
      }

      if (set[i].semver.prerelease.length > 0) {
        const allowed = set[i].semver
        if (allowed.major === version.major &&
            allowed.minor === version.minor &&
            allowed.patch === version.patch) {
          return true
        }
      }
    }

    // Version has a -pre, but it's not one of the ones we like.
    return false
  }

  return true
}


/***/ }),

/***/ 163:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const debug = __nccwpck_require__(159)
const { MAX_LENGTH, MAX_SAFE_INTEGER } = __nccwpck_require__(101)
const { safeRe: re, t } = __nccwpck_require__(471)

const parseOptions = __nccwpck_require__(356)
const { compareIdentifiers } = __nccwpck_require__(348)

const isPrereleaseIdentifier = (prerelease, identifier) => {
  const identifiers = identifier.split('.')
  if (identifiers.length > prerelease.length) {
    return false
  }

  for (let i = 0; i < identifiers.length; i++) {
    if (compareIdentifiers(prerelease[i], identifiers[i]) !== 0) {
      return false
    }
  }

  return true
}

class SemVer {
  constructor (version, options) {
    options = parseOptions(options)

    if (version instanceof SemVer) {
      if (version.loose === !!options.loose &&
        version.includePrerelease === !!options.includePrerelease) {
        return version
      } else {
        version = version.version
      }
    } else if (typeof version !== 'string') {
      throw new TypeError(`Invalid version. Must be a string. Got type "${typeof version}".`)
    }

    if (version.length > MAX_LENGTH) {
      throw new TypeError(
        `version is longer than ${MAX_LENGTH} characters`
      )
    }

    debug('SemVer', version, options)
    this.options = options
    this.loose = !!options.loose
    // this isn't actually relevant for versions, but keep it so that we
    // don't run into trouble passing this.options around.
    this.includePrerelease = !!options.includePrerelease

    const m = version.trim().match(options.loose ? re[t.LOOSE] : re[t.FULL])

    if (!m) {
      throw new TypeError(`Invalid Version: ${version}`)
    }

    this.raw = version

    // these are actually numbers
    this.major = +m[1]
    this.minor = +m[2]
    this.patch = +m[3]

    if (this.major > MAX_SAFE_INTEGER || this.major < 0) {
      throw new TypeError('Invalid major version')
    }

    if (this.minor > MAX_SAFE_INTEGER || this.minor < 0) {
      throw new TypeError('Invalid minor version')
    }

    if (this.patch > MAX_SAFE_INTEGER || this.patch < 0) {
      throw new TypeError('Invalid patch version')
    }

    // numberify any prerelease numeric ids
    if (!m[4]) {
      this.prerelease = []
    } else {
      this.prerelease = m[4].split('.').map((id) => {
        if (/^[0-9]+$/.test(id)) {
          const num = +id
          if (num >= 0 && num < MAX_SAFE_INTEGER) {
            return num
          }
        }
        return id
      })
    }

    this.build = m[5] ? m[5].split('.') : []
    this.format()
  }

  format () {
    this.version = `${this.major}.${this.minor}.${this.patch}`
    if (this.prerelease.length) {
      this.version += `-${this.prerelease.join('.')}`
    }
    return this.version
  }

  toString () {
    return this.version
  }

  compare (other) {
    debug('SemVer.compare', this.version, this.options, other)
    if (!(other instanceof SemVer)) {
      if (typeof other === 'string' && other === this.version) {
        return 0
      }
      other = new SemVer(other, this.options)
    }

    if (other.version === this.version) {
      return 0
    }

    return this.compareMain(other) || this.comparePre(other)
  }

  compareMain (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    if (this.major < other.major) {
      return -1
    }
    if (this.major > other.major) {
      return 1
    }
    if (this.minor < other.minor) {
      return -1
    }
    if (this.minor > other.minor) {
      return 1
    }
    if (this.patch < other.patch) {
      return -1
    }
    if (this.patch > other.patch) {
      return 1
    }
    return 0
  }

  comparePre (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    // NOT having a prerelease is > having one
    if (this.prerelease.length && !other.prerelease.length) {
      return -1
    } else if (!this.prerelease.length && other.prerelease.length) {
      return 1
    } else if (!this.prerelease.length && !other.prerelease.length) {
      return 0
    }

    let i = 0
    do {
      const a = this.prerelease[i]
      const b = other.prerelease[i]
      debug('prerelease compare', i, a, b)
      if (a === undefined && b === undefined) {
        return 0
      } else if (b === undefined) {
        return 1
      } else if (a === undefined) {
        return -1
      } else if (a === b) {
        continue
      } else {
        return compareIdentifiers(a, b)
      }
    } while (++i)
  }

  compareBuild (other) {
    if (!(other instanceof SemVer)) {
      other = new SemVer(other, this.options)
    }

    let i = 0
    do {
      const a = this.build[i]
      const b = other.build[i]
      debug('build compare', i, a, b)
      if (a === undefined && b === undefined) {
        return 0
      } else if (b === undefined) {
        return 1
      } else if (a === undefined) {
        return -1
      } else if (a === b) {
        continue
      } else {
        return compareIdentifiers(a, b)
      }
    } while (++i)
  }

  // preminor will bump the version up to the next minor release, and immediately
  // down to pre-release. premajor and prepatch work the same way.
  inc (release, identifier, identifierBase) {
    if (release.startsWith('pre')) {
      if (!identifier && identifierBase === false) {
        throw new Error('invalid increment argument: identifier is empty')
      }
      // Avoid an invalid semver results
      if (identifier) {
        const match = `-${identifier}`.match(this.options.loose ? re[t.PRERELEASELOOSE] : re[t.PRERELEASE])
        if (!match || match[1] !== identifier) {
          throw new Error(`invalid identifier: ${identifier}`)
        }
      }
    }

    switch (release) {
      case 'premajor':
        this.prerelease.length = 0
        this.patch = 0
        this.minor = 0
        this.major++
        this.inc('pre', identifier, identifierBase)
        break
      case 'preminor':
        this.prerelease.length = 0
        this.patch = 0
        this.minor++
        this.inc('pre', identifier, identifierBase)
        break
      case 'prepatch':
        // If this is already a prerelease, it will bump to the next version
        // drop any prereleases that might already exist, since they are not
        // relevant at this point.
        this.prerelease.length = 0
        this.inc('patch', identifier, identifierBase)
        this.inc('pre', identifier, identifierBase)
        break
      // If the input is a non-prerelease version, this acts the same as
      // prepatch.
      case 'prerelease':
        if (this.prerelease.length === 0) {
          this.inc('patch', identifier, identifierBase)
        }
        this.inc('pre', identifier, identifierBase)
        break
      case 'release':
        if (this.prerelease.length === 0) {
          throw new Error(`version ${this.raw} is not a prerelease`)
        }
        this.prerelease.length = 0
        break

      case 'major':
        // If this is a pre-major version, bump up to the same major version.
        // Otherwise increment major.
        // 1.0.0-5 bumps to 1.0.0
        // 1.1.0 bumps to 2.0.0
        if (
          this.minor !== 0 ||
          this.patch !== 0 ||
          this.prerelease.length === 0
        ) {
          this.major++
        }
        this.minor = 0
        this.patch = 0
        this.prerelease = []
        break
      case 'minor':
        // If this is a pre-minor version, bump up to the same minor version.
        // Otherwise increment minor.
        // 1.2.0-5 bumps to 1.2.0
        // 1.2.1 bumps to 1.3.0
        if (this.patch !== 0 || this.prerelease.length === 0) {
          this.minor++
        }
        this.patch = 0
        this.prerelease = []
        break
      case 'patch':
        // If this is not a pre-release version, it will increment the patch.
        // If it is a pre-release it will bump up to the same patch version.
        // 1.2.0-5 patches to 1.2.0
        // 1.2.0 patches to 1.2.1
        if (this.prerelease.length === 0) {
          this.patch++
        }
        this.prerelease = []
        break
      // This probably shouldn't be used publicly.
      // 1.0.0 'pre' would become 1.0.0-0 which is the wrong direction.
      case 'pre': {
        const base = Number(identifierBase) ? 1 : 0

        if (this.prerelease.length === 0) {
          this.prerelease = [base]
        } else {
          let i = this.prerelease.length
          while (--i >= 0) {
            if (typeof this.prerelease[i] === 'number') {
              this.prerelease[i]++
              i = -2
            }
          }
          if (i === -1) {
            // didn't increment anything
            if (identifier === this.prerelease.join('.') && identifierBase === false) {
              throw new Error('invalid increment argument: identifier already exists')
            }
            this.prerelease.push(base)
          }
        }
        if (identifier) {
          // 1.2.0-beta.1 bumps to 1.2.0-beta.2,
          // 1.2.0-beta.fooblz or 1.2.0-beta bumps to 1.2.0-beta.0
          let prerelease = [identifier, base]
          if (identifierBase === false) {
            prerelease = [identifier]
          }
          if (isPrereleaseIdentifier(this.prerelease, identifier)) {
            const prereleaseBase = this.prerelease[identifier.split('.').length]
            if (isNaN(prereleaseBase)) {
              this.prerelease = prerelease
            }
          } else {
            this.prerelease = prerelease
          }
        }
        break
      }
      default:
        throw new Error(`invalid increment argument: ${release}`)
    }
    this.raw = this.format()
    if (this.build.length) {
      this.raw += `+${this.build.join('.')}`
    }
    return this
  }
}

module.exports = SemVer


/***/ }),

/***/ 799:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(353)
const clean = (version, options) => {
  const s = parse(version.trim().replace(/^[=v]+/, ''), options)
  return s ? s.version : null
}
module.exports = clean


/***/ }),

/***/ 646:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const eq = __nccwpck_require__(82)
const neq = __nccwpck_require__(974)
const gt = __nccwpck_require__(599)
const gte = __nccwpck_require__(236)
const lt = __nccwpck_require__(491)
const lte = __nccwpck_require__(717)

const cmp = (a, op, b, loose) => {
  switch (op) {
    case '===':
      if (typeof a === 'object') {
        a = a.version
      }
      if (typeof b === 'object') {
        b = b.version
      }
      return a === b

    case '!==':
      if (typeof a === 'object') {
        a = a.version
      }
      if (typeof b === 'object') {
        b = b.version
      }
      return a !== b

    case '':
    case '=':
    case '==':
      return eq(a, b, loose)

    case '!=':
      return neq(a, b, loose)

    case '>':
      return gt(a, b, loose)

    case '>=':
      return gte(a, b, loose)

    case '<':
      return lt(a, b, loose)

    case '<=':
      return lte(a, b, loose)

    default:
      throw new TypeError(`Invalid operator: ${op}`)
  }
}
module.exports = cmp


/***/ }),

/***/ 385:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const parse = __nccwpck_require__(353)
const { safeRe: re, t } = __nccwpck_require__(471)

const coerce = (version, options) => {
  if (version instanceof SemVer) {
    return version
  }

  if (typeof version === 'number') {
    version = String(version)
  }

  if (typeof version !== 'string') {
    return null
  }

  options = options || {}

  let match = null
  if (!options.rtl) {
    match = version.match(options.includePrerelease ? re[t.COERCEFULL] : re[t.COERCE])
  } else {
    // Find the right-most coercible string that does not share
    // a terminus with a more left-ward coercible string.
    // Eg, '1.2.3.4' wants to coerce '2.3.4', not '3.4' or '4'
    // With includePrerelease option set, '1.2.3.4-rc' wants to coerce '2.3.4-rc', not '2.3.4'
    //
    // Walk through the string checking with a /g regexp
    // Manually set the index so as to pick up overlapping matches.
    // Stop when we get a match that ends at the string end, since no
    // coercible string can be more right-ward without the same terminus.
    const coerceRtlRegex = options.includePrerelease ? re[t.COERCERTLFULL] : re[t.COERCERTL]
    let next
    while ((next = coerceRtlRegex.exec(version)) &&
        (!match || match.index + match[0].length !== version.length)
    ) {
      if (!match ||
            next.index + next[0].length !== match.index + match[0].length) {
        match = next
      }
      coerceRtlRegex.lastIndex = next.index + next[1].length + next[2].length
    }
    // leave it in a clean state
    coerceRtlRegex.lastIndex = -1
  }

  if (match === null) {
    return null
  }

  const major = match[2]
  const minor = match[3] || '0'
  const patch = match[4] || '0'
  const prerelease = options.includePrerelease && match[5] ? `-${match[5]}` : ''
  const build = options.includePrerelease && match[6] ? `+${match[6]}` : ''

  return parse(`${major}.${minor}.${patch}${prerelease}${build}`, options)
}
module.exports = coerce


/***/ }),

/***/ 648:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const compareBuild = (a, b, loose) => {
  const versionA = new SemVer(a, loose)
  const versionB = new SemVer(b, loose)
  return versionA.compare(versionB) || versionA.compareBuild(versionB)
}
module.exports = compareBuild


/***/ }),

/***/ 874:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const compareLoose = (a, b) => compare(a, b, true)
module.exports = compareLoose


/***/ }),

/***/ 469:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const compare = (a, b, loose) =>
  new SemVer(a, loose).compare(new SemVer(b, loose))

module.exports = compare


/***/ }),

/***/ 711:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(353)

const diff = (version1, version2) => {
  const v1 = parse(version1, null, true)
  const v2 = parse(version2, null, true)
  const comparison = v1.compare(v2)

  if (comparison === 0) {
    return null
  }

  const v1Higher = comparison > 0
  const highVersion = v1Higher ? v1 : v2
  const lowVersion = v1Higher ? v2 : v1
  const highHasPre = !!highVersion.prerelease.length
  const lowHasPre = !!lowVersion.prerelease.length

  if (lowHasPre && !highHasPre) {
    // Going from prerelease -> no prerelease requires some special casing

    // If the low version has only a major, then it will always be a major
    // Some examples:
    // 1.0.0-1 -> 1.0.0
    // 1.0.0-1 -> 1.1.1
    // 1.0.0-1 -> 2.0.0
    if (!lowVersion.patch && !lowVersion.minor) {
      return 'major'
    }

    // If the main part has no difference
    if (lowVersion.compareMain(highVersion) === 0) {
      if (lowVersion.minor && !lowVersion.patch) {
        return 'minor'
      }
      return 'patch'
    }
  }

  // add the `pre` prefix if we are going to a prerelease version
  const prefix = highHasPre ? 'pre' : ''

  if (v1.major !== v2.major) {
    return prefix + 'major'
  }

  if (v1.minor !== v2.minor) {
    return prefix + 'minor'
  }

  if (v1.patch !== v2.patch) {
    return prefix + 'patch'
  }

  // high and low are prereleases
  return 'prerelease'
}

module.exports = diff


/***/ }),

/***/ 82:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const eq = (a, b, loose) => compare(a, b, loose) === 0
module.exports = eq


/***/ }),

/***/ 599:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const gt = (a, b, loose) => compare(a, b, loose) > 0
module.exports = gt


/***/ }),

/***/ 236:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const gte = (a, b, loose) => compare(a, b, loose) >= 0
module.exports = gte


/***/ }),

/***/ 338:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)

const inc = (version, release, options, identifier, identifierBase) => {
  if (typeof (options) === 'string') {
    identifierBase = identifier
    identifier = options
    options = undefined
  }

  try {
    return new SemVer(
      version instanceof SemVer ? version.version : version,
      options
    ).inc(release, identifier, identifierBase).version
  } catch (er) {
    return null
  }
}
module.exports = inc


/***/ }),

/***/ 491:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const lt = (a, b, loose) => compare(a, b, loose) < 0
module.exports = lt


/***/ }),

/***/ 717:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const lte = (a, b, loose) => compare(a, b, loose) <= 0
module.exports = lte


/***/ }),

/***/ 511:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const major = (a, loose) => new SemVer(a, loose).major
module.exports = major


/***/ }),

/***/ 603:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const minor = (a, loose) => new SemVer(a, loose).minor
module.exports = minor


/***/ }),

/***/ 974:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const neq = (a, b, loose) => compare(a, b, loose) !== 0
module.exports = neq


/***/ }),

/***/ 353:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const parse = (version, options, throwErrors = false) => {
  if (version instanceof SemVer) {
    return version
  }
  try {
    return new SemVer(version, options)
  } catch (er) {
    if (!throwErrors) {
      return null
    }
    throw er
  }
}

module.exports = parse


/***/ }),

/***/ 756:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const patch = (a, loose) => new SemVer(a, loose).patch
module.exports = patch


/***/ }),

/***/ 714:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(353)
const prerelease = (version, options) => {
  const parsed = parse(version, options)
  return (parsed && parsed.prerelease.length) ? parsed.prerelease : null
}
module.exports = prerelease


/***/ }),

/***/ 173:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compare = __nccwpck_require__(469)
const rcompare = (a, b, loose) => compare(b, a, loose)
module.exports = rcompare


/***/ }),

/***/ 192:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compareBuild = __nccwpck_require__(648)
const rsort = (list, loose) => list.sort((a, b) => compareBuild(b, a, loose))
module.exports = rsort


/***/ }),

/***/ 11:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(782)
const satisfies = (version, range, options) => {
  try {
    range = new Range(range, options)
  } catch (er) {
    return false
  }
  return range.test(version)
}
module.exports = satisfies


/***/ }),

/***/ 872:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const compareBuild = __nccwpck_require__(648)
const sort = (list, loose) => list.sort((a, b) => compareBuild(a, b, loose))
module.exports = sort


/***/ }),

/***/ 114:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(353)
const constants = __nccwpck_require__(101)
const SemVer = __nccwpck_require__(163)

const truncate = (version, truncation, options) => {
  if (!constants.RELEASE_TYPES.includes(truncation)) {
    return null
  }

  const clonedVersion = cloneInputVersion(version, options)
  return clonedVersion && doTruncation(clonedVersion, truncation)
}

const cloneInputVersion = (version, options) => {
  const versionStringToParse = (
    version instanceof SemVer ? version.version : version
  )

  return parse(versionStringToParse, options)
}

const doTruncation = (version, truncation) => {
  if (isPrerelease(truncation)) {
    return version.version
  }

  version.prerelease = []

  switch (truncation) {
    case 'major':
      version.minor = 0
      version.patch = 0
      break
    case 'minor':
      version.patch = 0
      break
  }

  return version.format()
}

const isPrerelease = (type) => {
  return type.startsWith('pre')
}

module.exports = truncate


/***/ }),

/***/ 780:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const parse = __nccwpck_require__(353)
const valid = (version, options) => {
  const v = parse(version, options)
  return v ? v.version : null
}
module.exports = valid


/***/ }),

/***/ 88:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// just pre-load all the stuff that index.js lazily exports
const internalRe = __nccwpck_require__(471)
const constants = __nccwpck_require__(101)
const SemVer = __nccwpck_require__(163)
const identifiers = __nccwpck_require__(348)
const parse = __nccwpck_require__(353)
const valid = __nccwpck_require__(780)
const clean = __nccwpck_require__(799)
const inc = __nccwpck_require__(338)
const diff = __nccwpck_require__(711)
const major = __nccwpck_require__(511)
const minor = __nccwpck_require__(603)
const patch = __nccwpck_require__(756)
const prerelease = __nccwpck_require__(714)
const compare = __nccwpck_require__(469)
const rcompare = __nccwpck_require__(173)
const compareLoose = __nccwpck_require__(874)
const compareBuild = __nccwpck_require__(648)
const sort = __nccwpck_require__(872)
const rsort = __nccwpck_require__(192)
const gt = __nccwpck_require__(599)
const lt = __nccwpck_require__(491)
const eq = __nccwpck_require__(82)
const neq = __nccwpck_require__(974)
const gte = __nccwpck_require__(236)
const lte = __nccwpck_require__(717)
const cmp = __nccwpck_require__(646)
const coerce = __nccwpck_require__(385)
const truncate = __nccwpck_require__(114)
const Comparator = __nccwpck_require__(379)
const Range = __nccwpck_require__(782)
const satisfies = __nccwpck_require__(11)
const toComparators = __nccwpck_require__(750)
const maxSatisfying = __nccwpck_require__(193)
const minSatisfying = __nccwpck_require__(595)
const minVersion = __nccwpck_require__(866)
const validRange = __nccwpck_require__(118)
const outside = __nccwpck_require__(280)
const gtr = __nccwpck_require__(276)
const ltr = __nccwpck_require__(213)
const intersects = __nccwpck_require__(465)
const simplifyRange = __nccwpck_require__(28)
const subset = __nccwpck_require__(489)
module.exports = {
  parse,
  valid,
  clean,
  inc,
  diff,
  major,
  minor,
  patch,
  prerelease,
  compare,
  rcompare,
  compareLoose,
  compareBuild,
  sort,
  rsort,
  gt,
  lt,
  eq,
  neq,
  gte,
  lte,
  cmp,
  coerce,
  truncate,
  Comparator,
  Range,
  satisfies,
  toComparators,
  maxSatisfying,
  minSatisfying,
  minVersion,
  validRange,
  outside,
  gtr,
  ltr,
  intersects,
  simplifyRange,
  subset,
  SemVer,
  re: internalRe.re,
  src: internalRe.src,
  tokens: internalRe.t,
  SEMVER_SPEC_VERSION: constants.SEMVER_SPEC_VERSION,
  RELEASE_TYPES: constants.RELEASE_TYPES,
  compareIdentifiers: identifiers.compareIdentifiers,
  rcompareIdentifiers: identifiers.rcompareIdentifiers,
}


/***/ }),

/***/ 101:
/***/ ((module) => {



// Note: this is the semver.org version of the spec that it implements
// Not necessarily the package version of this code.
const SEMVER_SPEC_VERSION = '2.0.0'

const MAX_LENGTH = 256
const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER ||
/* istanbul ignore next */ 9007199254740991

// Max safe segment length for coercion.
const MAX_SAFE_COMPONENT_LENGTH = 16

// Max safe length for a build identifier. The max length minus 6 characters for
// the shortest version with a build 0.0.0+BUILD.
const MAX_SAFE_BUILD_LENGTH = MAX_LENGTH - 6

// ECMAScript whitespace and line terminators matched by \s.
const WHITESPACE_CHARACTERS = [
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u2001',
  '\u2002',
  '\u2003',
  '\u2004',
  '\u2005',
  '\u2006',
  '\u2007',
  '\u2008',
  '\u2009',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
]

const RELEASE_TYPES = [
  'major',
  'premajor',
  'minor',
  'preminor',
  'patch',
  'prepatch',
  'prerelease',
]

module.exports = {
  MAX_LENGTH,
  MAX_SAFE_COMPONENT_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  MAX_SAFE_INTEGER,
  WHITESPACE_CHARACTERS,
  RELEASE_TYPES,
  SEMVER_SPEC_VERSION,
  FLAG_INCLUDE_PRERELEASE: 0b001,
  FLAG_LOOSE: 0b010,
}


/***/ }),

/***/ 159:
/***/ ((module) => {



const debug = (
  typeof process === 'object' &&
  process.env &&
  process.env.NODE_DEBUG &&
  /\bsemver\b/i.test(process.env.NODE_DEBUG)
) ? (...args) => console.error('SEMVER', ...args)
  : () => {}

module.exports = debug


/***/ }),

/***/ 348:
/***/ ((module) => {



const numeric = /^[0-9]+$/
const compareIdentifiers = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b ? 0 : a < b ? -1 : 1
  }

  const anum = numeric.test(a)
  const bnum = numeric.test(b)

  if (anum && bnum) {
    a = +a
    b = +b
  }

  return a === b ? 0
    : (anum && !bnum) ? -1
    : (bnum && !anum) ? 1
    : a < b ? -1
    : 1
}

const rcompareIdentifiers = (a, b) => compareIdentifiers(b, a)

module.exports = {
  compareIdentifiers,
  rcompareIdentifiers,
}


/***/ }),

/***/ 383:
/***/ ((module) => {



class LRUCache {
  constructor () {
    this.max = 1000
    this.map = new Map()
  }

  get (key) {
    const value = this.map.get(key)
    if (value === undefined) {
      return undefined
    } else {
      // Remove the key from the map and add it to the end
      this.map.delete(key)
      this.map.set(key, value)
      return value
    }
  }

  delete (key) {
    return this.map.delete(key)
  }

  set (key, value) {
    const deleted = this.delete(key)

    if (!deleted && value !== undefined) {
      // If cache is full, delete the least recently used item
      if (this.map.size >= this.max) {
        const firstKey = this.map.keys().next().value
        this.delete(firstKey)
      }

      this.map.set(key, value)
    }

    return this
  }
}

module.exports = LRUCache


/***/ }),

/***/ 356:
/***/ ((module) => {



// parse out just the options we care about
const looseOption = Object.freeze({ loose: true })
const emptyOpts = Object.freeze({ })
const parseOptions = options => {
  if (!options) {
    return emptyOpts
  }

  if (typeof options !== 'object') {
    return looseOption
  }

  return options
}
module.exports = parseOptions


/***/ }),

/***/ 471:
/***/ ((module, exports, __nccwpck_require__) => {



const {
  MAX_SAFE_COMPONENT_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  MAX_LENGTH,
} = __nccwpck_require__(101)
const debug = __nccwpck_require__(159)
exports = module.exports = {}

// The actual regexps go on exports.re
const re = exports.re = []
const safeRe = exports.safeRe = []
const src = exports.src = []
const safeSrc = exports.safeSrc = []
const t = exports.t = {}
let R = 0

const LETTERDASHNUMBER = '[a-zA-Z0-9-]'

// Replace some greedy regex tokens to prevent regex dos issues. These regex are
// used internally via the safeRe object since all inputs in this library get
// normalized first to trim and collapse all extra whitespace. The original
// regexes are exported for userland consumption and lower level usage. A
// future breaking change could export the safer regex only with a note that
// all input should have extra whitespace removed.
const safeRegexReplacements = [
  ['\\s', 1],
  ['\\d', MAX_LENGTH],
  [LETTERDASHNUMBER, MAX_SAFE_BUILD_LENGTH],
]

const makeSafeRegex = (value) => {
  for (const [token, max] of safeRegexReplacements) {
    value = value
      .split(`${token}*`).join(`${token}{0,${max}}`)
      .split(`${token}+`).join(`${token}{1,${max}}`)
  }
  return value
}

const createToken = (name, value, isGlobal) => {
  const safe = makeSafeRegex(value)
  const index = R++
  debug(name, index, value)
  t[name] = index
  src[index] = value
  safeSrc[index] = safe
  re[index] = new RegExp(value, isGlobal ? 'g' : undefined)
  safeRe[index] = new RegExp(safe, isGlobal ? 'g' : undefined)
}

// The following Regular Expressions can be used for tokenizing,
// validating, and parsing SemVer version strings.

// ## Numeric Identifier
// A single `0`, or a non-zero digit followed by zero or more digits.

createToken('NUMERICIDENTIFIER', '0|[1-9]\\d*')
createToken('NUMERICIDENTIFIERLOOSE', '\\d+')

// ## Non-numeric Identifier
// Zero or more digits, followed by a letter or hyphen, and then zero or
// more letters, digits, or hyphens.

createToken('NONNUMERICIDENTIFIER', `\\d*[a-zA-Z-]${LETTERDASHNUMBER}*`)

// ## Main Version
// Three dot-separated numeric identifiers.

createToken('MAINVERSION', `(${src[t.NUMERICIDENTIFIER]})\\.` +
                   `(${src[t.NUMERICIDENTIFIER]})\\.` +
                   `(${src[t.NUMERICIDENTIFIER]})`)

createToken('MAINVERSIONLOOSE', `(${src[t.NUMERICIDENTIFIERLOOSE]})\\.` +
                        `(${src[t.NUMERICIDENTIFIERLOOSE]})\\.` +
                        `(${src[t.NUMERICIDENTIFIERLOOSE]})`)

// ## Pre-release Version Identifier
// A numeric identifier, or a non-numeric identifier.
// Non-numeric identifiers include numeric identifiers but can be longer.
// Therefore non-numeric identifiers must go first.

createToken('PRERELEASEIDENTIFIER', `(?:${src[t.NONNUMERICIDENTIFIER]
}|${src[t.NUMERICIDENTIFIER]})`)

createToken('PRERELEASEIDENTIFIERLOOSE', `(?:${src[t.NONNUMERICIDENTIFIER]
}|${src[t.NUMERICIDENTIFIERLOOSE]})`)

// ## Pre-release Version
// Hyphen, followed by one or more dot-separated pre-release version
// identifiers.

createToken('PRERELEASE', `(?:-(${src[t.PRERELEASEIDENTIFIER]
}(?:\\.${src[t.PRERELEASEIDENTIFIER]})*))`)

createToken('PRERELEASELOOSE', `(?:-?(${src[t.PRERELEASEIDENTIFIERLOOSE]
}(?:\\.${src[t.PRERELEASEIDENTIFIERLOOSE]})*))`)

// ## Build Metadata Identifier
// Any combination of digits, letters, or hyphens.

createToken('BUILDIDENTIFIER', `${LETTERDASHNUMBER}+`)

// ## Build Metadata
// Plus sign, followed by one or more period-separated build metadata
// identifiers.

createToken('BUILD', `(?:\\+(${src[t.BUILDIDENTIFIER]
}(?:\\.${src[t.BUILDIDENTIFIER]})*))`)

// ## Full Version String
// A main version, followed optionally by a pre-release version and
// build metadata.

// Note that the only major, minor, patch, and pre-release sections of
// the version string are capturing groups.  The build metadata is not a
// capturing group, because it should not ever be used in version
// comparison.

createToken('FULLPLAIN', `v?${src[t.MAINVERSION]
}${src[t.PRERELEASE]}?${
  src[t.BUILD]}?`)

createToken('FULL', `^${src[t.FULLPLAIN]}$`)

// like full, but allows v1.2.3 and =1.2.3, which people do sometimes.
// also, 1.0.0alpha1 (prerelease without the hyphen) which is pretty
// common in the npm registry.
createToken('LOOSEPLAIN', `[v=\\s]*${src[t.MAINVERSIONLOOSE]
}${src[t.PRERELEASELOOSE]}?${
  src[t.BUILD]}?`)

createToken('LOOSE', `^${src[t.LOOSEPLAIN]}$`)

createToken('GTLT', '((?:<|>)?=?)')

// Something like "2.*" or "1.2.x".
// Note that "x.x" is a valid xRange identifier, meaning "any version"
// Only the first item is strictly required.
createToken('XRANGEIDENTIFIERLOOSE', `${src[t.NUMERICIDENTIFIERLOOSE]}|x|X|\\*`)
createToken('XRANGEIDENTIFIER', `${src[t.NUMERICIDENTIFIER]}|x|X|\\*`)

createToken('XRANGEPLAIN', `[v=\\s]*(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:\\.(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:\\.(${src[t.XRANGEIDENTIFIER]})` +
                   `(?:${src[t.PRERELEASE]})?${
                     src[t.BUILD]}?` +
                   `)?)?`)

createToken('XRANGEPLAINLOOSE', `[v=\\s]*(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:\\.(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:\\.(${src[t.XRANGEIDENTIFIERLOOSE]})` +
                        `(?:${src[t.PRERELEASELOOSE]})?${
                          src[t.BUILD]}?` +
                        `)?)?`)

createToken('XRANGE', `^${src[t.GTLT]}\\s*${src[t.XRANGEPLAIN]}$`)
createToken('XRANGELOOSE', `^${src[t.GTLT]}\\s*${src[t.XRANGEPLAINLOOSE]}$`)

// Coercion.
// Extract anything that could conceivably be a part of a valid semver
createToken('COERCEPLAIN', `${'(^|[^\\d])' +
              '(\\d{1,'}${MAX_SAFE_COMPONENT_LENGTH}})` +
              `(?:\\.(\\d{1,${MAX_SAFE_COMPONENT_LENGTH}}))?` +
              `(?:\\.(\\d{1,${MAX_SAFE_COMPONENT_LENGTH}}))?`)
createToken('COERCE', `${src[t.COERCEPLAIN]}(?:$|[^\\d])`)
createToken('COERCEFULL', src[t.COERCEPLAIN] +
              `(?:${src[t.PRERELEASE]})?` +
              `(?:${src[t.BUILD]})?` +
              `(?:$|[^\\d])`)
createToken('COERCERTL', src[t.COERCE], true)
createToken('COERCERTLFULL', src[t.COERCEFULL], true)

// Tilde ranges.
// Meaning is "reasonably at or greater than"
createToken('LONETILDE', '(?:~>?)')

createToken('TILDETRIM', `(\\s*)${src[t.LONETILDE]}\\s+`, true)
exports.tildeTrimReplace = '$1~'

createToken('TILDE', `^${src[t.LONETILDE]}${src[t.XRANGEPLAIN]}$`)
createToken('TILDELOOSE', `^${src[t.LONETILDE]}${src[t.XRANGEPLAINLOOSE]}$`)

// Caret ranges.
// Meaning is "at least and backwards compatible with"
createToken('LONECARET', '(?:\\^)')

createToken('CARETTRIM', `(\\s*)${src[t.LONECARET]}\\s+`, true)
exports.caretTrimReplace = '$1^'

createToken('CARET', `^${src[t.LONECARET]}${src[t.XRANGEPLAIN]}$`)
createToken('CARETLOOSE', `^${src[t.LONECARET]}${src[t.XRANGEPLAINLOOSE]}$`)

// A simple gt/lt/eq thing, or just "" to indicate "any version"
createToken('COMPARATORLOOSE', `^${src[t.GTLT]}\\s*(${src[t.LOOSEPLAIN]})$|^$`)
createToken('COMPARATOR', `^${src[t.GTLT]}\\s*(${src[t.FULLPLAIN]})$|^$`)

// An expression to strip any whitespace between the gtlt and the thing
// it modifies, so that `> 1.2.3` ==> `>1.2.3`
createToken('COMPARATORTRIM', `(\\s*)${src[t.GTLT]
}\\s*(${src[t.LOOSEPLAIN]}|${src[t.XRANGEPLAIN]})`, true)
exports.comparatorTrimReplace = '$1$2$3'

// Something like `1.2.3 - 1.2.4`
// Note that these all use the loose form, because they'll be
// checked against either the strict or loose comparator form
// later.
createToken('HYPHENRANGE', `^\\s*(${src[t.XRANGEPLAIN]})` +
                   `\\s+-\\s+` +
                   `(${src[t.XRANGEPLAIN]})` +
                   `\\s*$`)

createToken('HYPHENRANGELOOSE', `^\\s*(${src[t.XRANGEPLAINLOOSE]})` +
                        `\\s+-\\s+` +
                        `(${src[t.XRANGEPLAINLOOSE]})` +
                        `\\s*$`)

// Star ranges basically just allow anything at all.
createToken('STAR', '(<|>)?=?\\s*\\*')
// >=0.0.0 is like a star
createToken('GTE0', '^\\s*>=\\s*0\\.0\\.0\\s*$')
createToken('GTE0PRE', '^\\s*>=\\s*0\\.0\\.0-0\\s*$')


/***/ }),

/***/ 737:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

// @ts-check


// Reproduce safeRe[COMPARATORTRIM] replacement boundaries, not version
// validation. Each end-index finder returns an exclusive end, or its start
// on no match.
// Positions count from zero. An end of 3 means characters 0, 1, and 2 were read;
// range.slice(start, end) gives the matched text, not a converted number.
const {
  MAX_LENGTH,
  MAX_SAFE_BUILD_LENGTH,
  WHITESPACE_CHARACTERS,
} = __nccwpck_require__(101)

/**
 * Remembers the last two rows of digits so their characters need not be reread.
 * Positions start at -1 until a row has been found.
 *
 * @typedef {object} DigitRunCache
 * @property {number} start The first character of the most recently found row.
 * @property {number} end The position after that row's last character.
 * @property {number} previousStart The first character of the previous row.
 * @property {number} previousEnd The position after the previous row.
 */

// One entry per UTF-16 code unit keeps membership checks constant-time.
const whitespace = new Uint8Array(0x10000)
for (const char of WHITESPACE_CHARACTERS) {
  whitespace[char.charCodeAt(0)] = 1
}

/**
 * Checks whether a character is whitespace, like a space, tab, or newline.
 * Looking past the end of the string returns false.
 *
 * @param {string|undefined} char One character, or undefined past the string's end.
 * @returns {boolean} Whether the character is whitespace.
 * @example isWhitespace(' ') // true
 * @example isWhitespace('1') // false
 */
const isWhitespace = char =>
  char !== undefined && whitespace[char.charCodeAt(0)] === 1

/**
 * Checks for v, =, or whitespace before the version number.
 * These are historical version prefixes, not range operators:
 * < and > are handled separately, as are tilde and caret ranges.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character can belong to a version prefix.
 * @example isVersionPrefix('=') // true
 * @example isVersionPrefix('>') // false
 */
const isVersionPrefix = char =>
  char === 'v' ||
  char === '=' ||
  isWhitespace(char)

/**
 * Checks whether a character is one of the digits 0 through 9.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character is an ASCII digit.
 * @example isDigit('7') // true
 * @example isDigit('.') // false
 */
const isDigit = char => char !== undefined && char >= '0' && char <= '9'

/**
 * Checks whether a character is an English letter, uppercase or lowercase.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character is an ASCII letter.
 * @example isLetter('b') // true
 * @example isLetter('7') // false
 */
const isLetter = char =>
  char !== undefined && (
    (char >= 'a' && char <= 'z') ||
    (char >= 'A' && char <= 'Z')
  )

/**
 * Checks for a letter, digit, or hyphen: the characters allowed inside
 * prerelease and build names such as beta-1.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether the character can be part of an identifier.
 * @example isIdentifierCharacter('-') // true
 * @example isIdentifierCharacter('.') // false; dots separate identifiers
 */
const isIdentifierCharacter = char => isDigit(char) || isLetter(char) || char === '-'

/**
 * Checks whether a version component can begin here: with a digit or
 * a wildcard such as x, X, or *.
 *
 * @param {string|undefined} char One character to check.
 * @returns {boolean} Whether a number or wildcard can start with this character.
 * @example isVersionStart('x') // true
 * @example isVersionStart('v') // false; v belongs to the prefix
 */
const isVersionStart = char =>
  isDigit(char) ||
  char === 'x' ||
  char === 'X' ||
  char === '*'

/**
 * Finds the end of a row of digits, but returns no more than limit digits.
 * Remembers the last two rows so looking at them again does not reread them.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of the first character to check.
 * @param {number} limit The most digit characters the returned match can include.
 * @param {DigitRunCache} digitRuns Shared cache of digit-run positions, updated in place.
 * @returns {number} The position after the matched digits, or start if none match.
 * @example findDigitsEndIndex('123abc', 0, 10, digitRuns) // 3, pointing at a
 * @example findDigitsEndIndex('123abc', 0, 2, digitRuns) // 2, pointing at the unread 3
 */
const findDigitsEndIndex = (range, start, limit, digitRuns) => {
  if (!isDigit(range[start])) {
    return start
  }
  if (start >= digitRuns.start && start < digitRuns.end) {
    return Math.min(start + limit, digitRuns.end)
  }
  if (start >= digitRuns.previousStart && start < digitRuns.previousEnd) {
    return Math.min(start + limit, digitRuns.previousEnd)
  }
  let end = start + 1
  while (isDigit(range[end])) {
    end++
  }
  // A failed full version can rewind from its second run to its first.
  digitRuns.previousStart = digitRuns.start
  digitRuns.previousEnd = digitRuns.end
  digitRuns.start = start
  digitRuns.end = end
  return Math.min(start + limit, end)
}

/**
 * Reads a number using the old regex's length and leading-zero rules.
 * Strict mode reads just the first zero in 012; loose mode can read all three.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the number should begin.
 * @param {boolean} loose Whether to allow leading zeros.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched digits, not their numeric value.
 * @example findVersionNumberEndIndex('012', 0, false, digitRuns) // 1
 * @example findVersionNumberEndIndex('012', 0, true, digitRuns) // 3
 */
const findVersionNumberEndIndex = (range, start, loose, digitRuns) => {
  if (!loose && range[start] === '0') {
    return start + 1
  }
  // Strict syntax allows an initial nonzero digit plus MAX_LENGTH digits.
  return findDigitsEndIndex(range, start, loose ? MAX_LENGTH : MAX_LENGTH + 1, digitRuns)
}

/**
 * Reads one piece of a prerelease name, such as beta or 1 in beta.1.
 * Tries the letter-or-hyphen form first, then the number-only form.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the identifier should begin.
 * @param {boolean} loose Whether numeric identifiers may have leading zeros.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the identifier, or start if none matches.
 * @example findPrereleaseIdentifierEndIndex('beta.1', 0, false, digitRuns) // 4, at the dot
 * @example findPrereleaseIdentifierEndIndex('001beta', 0, false, digitRuns) // 7
 */
const findPrereleaseIdentifierEndIndex = (range, start, loose, digitRuns) => {
  const digitsEnd = findDigitsEndIndex(range, start, MAX_LENGTH, digitRuns)
  // The legacy regex tries a nonnumeric identifier before a numeric one.
  if (isLetter(range[digitsEnd]) || range[digitsEnd] === '-') {
    let end = digitsEnd + 1
    const limit = end + MAX_SAFE_BUILD_LENGTH
    while (end < limit && isIdentifierCharacter(range[end])) {
      end++
    }
    return end
  }
  return findVersionNumberEndIndex(range, start, loose, digitRuns)
}

/**
 * Reads a prerelease suffix such as -beta.1, one dot-separated piece at a time.
 * Loose mode also allows the name without its opening hyphen.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the suffix should begin, including -.
 * @param {boolean} loose Whether the opening hyphen is optional and zeros allowed.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched suffix, or start if absent.
 * @example findPrereleaseEndIndex('-beta.1+sha', 0, false, digitRuns) // 7, at the plus
 * @example findPrereleaseEndIndex('beta', 0, false, digitRuns) // 0; no opening hyphen
 */
const findPrereleaseEndIndex = (range, start, loose, digitRuns) => {
  const hyphen = range[start] === '-'
  if (!loose && !hyphen) {
    return start
  }
  const identifierStart = start + (hyphen ? 1 : 0)
  let end = findPrereleaseIdentifierEndIndex(range, identifierStart, loose, digitRuns)
  if (end === identifierStart) {
    if (!loose || !hyphen) {
      return start
    }
    // In loose syntax, a lone hyphen can itself be the identifier.
    end = findPrereleaseIdentifierEndIndex(range, start, loose, digitRuns)
  }
  while (range[end] === '.') {
    const next = findPrereleaseIdentifierEndIndex(range, end + 1, loose, digitRuns)
    if (next === end + 1) {
      break
    }
    end = next
  }
  return end
}

/**
 * Reads one build-name piece, such as sha or 123 in +sha.123.
 * Stops at a disallowed character or the old regex's length limit.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the identifier should begin.
 * @returns {number} The position after the identifier, or start if none matches.
 * @example findBuildIdentifierEndIndex('sha.123', 0) // 3, at the dot
 * @example findBuildIdentifierEndIndex('001', 0) // 3; leading zeros are allowed
 */
const findBuildIdentifierEndIndex = (range, start) => {
  let end = start
  while (end - start < MAX_SAFE_BUILD_LENGTH && isIdentifierCharacter(range[end])) {
    end++
  }
  return end
}

/**
 * Reads optional build metadata such as +sha.123.
 * Leaves the position unchanged if there is no plus sign followed by a name.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the opening + should be.
 * @returns {number} The position after the matched metadata, or start if absent.
 * @example findBuildEndIndex('+sha.123 <2', 0) // 8, at the space
 * @example findBuildEndIndex('+', 0) // 0; a plus sign alone is not a match
 */
const findBuildEndIndex = (range, start) => {
  if (range[start] !== '+') {
    return start
  }
  let end = findBuildIdentifierEndIndex(range, start + 1)
  if (end === start + 1) {
    return start
  }
  while (range[end] === '.') {
    const next = findBuildIdentifierEndIndex(range, end + 1)
    if (next === end + 1) {
      break
    }
    end = next
  }
  return end
}

/**
 * Reads three numbers separated by dots, then any prerelease and build suffixes.
 * Uses loose rules, so forms such as 01.02.03beta can match here.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of the first number, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the version match, or start if none matches.
 * @example findLooseFullVersionEndIndex('1.2.3-beta+sha <2', 0, digitRuns) // 14
 * @example findLooseFullVersionEndIndex('1.2', 0, digitRuns) // 0; needs three numbers
 */
const findLooseFullVersionEndIndex = (range, start, digitRuns) => {
  let end = start
  for (let component = 0; component < 3; component++) {
    const next = findVersionNumberEndIndex(range, end, true, digitRuns)
    if (next === end) {
      return start
    }
    end = next
    if (component < 2) {
      if (range[end] !== '.') {
        return start
      }
      end++
    }
  }
  const prereleaseEnd = findPrereleaseEndIndex(range, end, true, digitRuns)
  return findBuildEndIndex(range, prereleaseEnd)
}

/**
 * Reads one component of a partial or wildcard version, such as 2 or x in 2.x.
 * Numbers use strict leading-zero rules; wildcards take up one character.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position where the component should begin.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the component, or start if none matches.
 * @example findPartialVersionComponentEndIndex('2.x', 0, digitRuns) // 1, at the dot
 * @example findPartialVersionComponentEndIndex('2.x', 2, digitRuns) // 3, after x
 */
const findPartialVersionComponentEndIndex = (range, start, digitRuns) => {
  if (isDigit(range[start])) {
    return findVersionNumberEndIndex(range, start, false, digitRuns)
  }
  return isVersionStart(range[start]) ? start + 1 : start
}

/**
 * Reads up to three components, allowing forms such as 1, 1.2, or 1.x.
 * After the third component, also reads any strict prerelease and build suffixes.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of a number or wildcard, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position after the matched version text.
 * @example findPartialVersionEndIndex('1.x <2', 0, digitRuns) // 3, at the space
 * @example findPartialVersionEndIndex('1.', 0, digitRuns) // 1; the trailing dot is unread
 */
const findPartialVersionEndIndex = (range, start, digitRuns) => {
  let end = findPartialVersionComponentEndIndex(range, start, digitRuns)
  for (let component = 0; component < 2; component++) {
    if (range[end] !== '.') {
      return end
    }
    const next = findPartialVersionComponentEndIndex(range, end + 1, digitRuns)
    if (next === end + 1) {
      return end
    }
    end = next
  }
  const prereleaseEnd = findPrereleaseEndIndex(range, end, false, digitRuns)
  return findBuildEndIndex(range, prereleaseEnd)
}

/**
 * Finds where a version match ends, without deciding whether the range is valid.
 * Tries a loose full version first, then a partial or wildcard version, just
 * like the old regex's LOOSEPLAIN and XRANGEPLAIN alternatives.
 *
 * @param {string} range The text to read; it is not changed.
 * @param {number} start The position of a number or wildcard, after any prefix.
 * @param {DigitRunCache} digitRuns Shared digit-run cache, updated as needed.
 * @returns {number} The position where scanning the next candidate can resume.
 * @example findVersionEndIndex('1.2.3 <2', 0, digitRuns) // 5, at the space
 * @example findVersionEndIndex('1.x <2', 0, digitRuns) // 3, at the space
 */
const findVersionEndIndex = (range, start, digitRuns) => {
  const fullVersionEnd = findLooseFullVersionEndIndex(range, start, digitRuns)
  return fullVersionEnd !== start
    ? fullVersionEnd
    : findPartialVersionEndIndex(range, start, digitRuns)
}

/**
 * Finds the one whitespace character the old replacement would remove.
 * Keeps leading whitespace, skips an optional operator, and checks immediately
 * after it. Returns -1 if there is nothing to remove.
 *
 * @param {string} range The text containing a candidate already found by the caller.
 * @param {number} matchStart The candidate's position, including leading whitespace.
 * @returns {number} The position of the removable whitespace, or -1 if absent.
 * @example findRemovableWhitespaceIndex(' > 1', 0) // 2; keep the space at position 0
 * @example findRemovableWhitespaceIndex('>1', 0) // -1
 */
const findRemovableWhitespaceIndex = (range, matchStart) => {
  let position = matchStart
  if (isWhitespace(range[position])) {
    position++
  }
  if (range[position] === '<' || range[position] === '>') {
    position++
  }
  if (range[position] === '=') {
    position++
  }
  return isWhitespace(range[position]) ? position : -1
}

/**
 * Joins an operator to its version, turning > 1.2.3 into >1.2.3.
 * Copies everything else according to the old regex's matching rules.
 * Moves forward through prefixes and whole versions to avoid repeatedly
 * searching the same characters on long inputs.
 *
 * @param {string} range The range text to process; the original string is unchanged.
 * @returns {string} The range with matched operator whitespace removed.
 * @example trimComparatorWhitespace('> 1.2.3 < 2') // '>1.2.3 <2'
 * @example trimComparatorWhitespace('> invalid') // '> invalid'
 */
const trimComparatorWhitespace = range => {
  let result = ''
  let copyFrom = 0
  let cursor = 0
  const digitRuns = { start: -1, end: -1, previousStart: -1, previousEnd: -1 }

  while (cursor < range.length) {
    const matchStart = cursor
    if (range[cursor] === '<' || range[cursor] === '>') {
      cursor++
    } else if (!isVersionPrefix(range[cursor]) && !isVersionStart(range[cursor])) {
      cursor++
      continue
    }

    // Consume a v/=/whitespace run once, even when no version follows it.
    while (cursor < range.length && isVersionPrefix(range[cursor])) {
      cursor++
    }
    if (!isVersionStart(range[cursor])) {
      continue
    }

    const whitespacePosition = findRemovableWhitespaceIndex(range, matchStart)
    if (whitespacePosition !== -1) {
      result += range.slice(copyFrom, whitespacePosition)
      copyFrom = whitespacePosition + 1
    }

    // Skip the entire match, so a prerelease's trailing v cannot be
    // reconsidered as the prefix of another version.
    cursor = findVersionEndIndex(range, cursor, digitRuns)
  }

  return result + range.slice(copyFrom)
}

module.exports = trimComparatorWhitespace


/***/ }),

/***/ 276:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// Determine if version is greater than all the versions possible in the range.
const outside = __nccwpck_require__(280)
const gtr = (version, range, options) => outside(version, range, '>', options)
module.exports = gtr


/***/ }),

/***/ 465:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(782)
const intersects = (r1, r2, options) => {
  r1 = new Range(r1, options)
  r2 = new Range(r2, options)
  return r1.intersects(r2, options)
}
module.exports = intersects


/***/ }),

/***/ 213:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const outside = __nccwpck_require__(280)
// Determine if version is less than all the versions possible in the range
const ltr = (version, range, options) => outside(version, range, '<', options)
module.exports = ltr


/***/ }),

/***/ 193:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const Range = __nccwpck_require__(782)

const maxSatisfying = (versions, range, options) => {
  let max = null
  let maxSV = null
  let rangeObj = null
  try {
    rangeObj = new Range(range, options)
  } catch (er) {
    return null
  }
  versions.forEach((v) => {
    if (rangeObj.test(v)) {
      // satisfies(v, range, options)
      if (!max || maxSV.compare(v) === -1) {
        // compare(max, v, true)
        max = v
        maxSV = new SemVer(max, options)
      }
    }
  })
  return max
}
module.exports = maxSatisfying


/***/ }),

/***/ 595:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const Range = __nccwpck_require__(782)
const minSatisfying = (versions, range, options) => {
  let min = null
  let minSV = null
  let rangeObj = null
  try {
    rangeObj = new Range(range, options)
  } catch (er) {
    return null
  }
  versions.forEach((v) => {
    if (rangeObj.test(v)) {
      // satisfies(v, range, options)
      if (!min || minSV.compare(v) === 1) {
        // compare(min, v, true)
        min = v
        minSV = new SemVer(min, options)
      }
    }
  })
  return min
}
module.exports = minSatisfying


/***/ }),

/***/ 866:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const Range = __nccwpck_require__(782)
const gt = __nccwpck_require__(599)

const minVersion = (range, loose) => {
  range = new Range(range, loose)

  let minver = new SemVer('0.0.0')
  if (range.test(minver)) {
    return minver
  }

  minver = new SemVer('0.0.0-0')
  if (range.test(minver)) {
    return minver
  }

  minver = null
  for (let i = 0; i < range.set.length; ++i) {
    const comparators = range.set[i]

    let setMin = null
    comparators.forEach((comparator) => {
      // Clone to avoid manipulating the comparator's semver object.
      const compver = new SemVer(comparator.semver.version)
      switch (comparator.operator) {
        case '>':
          if (compver.prerelease.length === 0) {
            compver.patch++
          } else {
            compver.prerelease.push(0)
          }
          compver.raw = compver.format()
          /* fallthrough */
        case '':
        case '>=':
          if (!setMin || gt(compver, setMin)) {
            setMin = compver
          }
          break
        case '<':
        case '<=':
          /* Ignore maximum versions */
          break
        /* istanbul ignore next */
        default:
          throw new Error(`Unexpected operation: ${comparator.operator}`)
      }
    })
    if (setMin && (!minver || gt(minver, setMin))) {
      minver = setMin
    }
  }

  if (minver && range.test(minver)) {
    return minver
  }

  return null
}
module.exports = minVersion


/***/ }),

/***/ 280:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const SemVer = __nccwpck_require__(163)
const Comparator = __nccwpck_require__(379)
const { ANY } = Comparator
const Range = __nccwpck_require__(782)
const satisfies = __nccwpck_require__(11)
const gt = __nccwpck_require__(599)
const lt = __nccwpck_require__(491)
const lte = __nccwpck_require__(717)
const gte = __nccwpck_require__(236)

const outside = (version, range, hilo, options) => {
  version = new SemVer(version, options)
  range = new Range(range, options)

  let gtfn, ltefn, ltfn, comp, ecomp
  switch (hilo) {
    case '>':
      gtfn = gt
      ltefn = lte
      ltfn = lt
      comp = '>'
      ecomp = '>='
      break
    case '<':
      gtfn = lt
      ltefn = gte
      ltfn = gt
      comp = '<'
      ecomp = '<='
      break
    default:
      throw new TypeError('Must provide a hilo val of "<" or ">"')
  }

  // If it satisfies the range it is not outside
  if (satisfies(version, range, options)) {
    return false
  }

  // From now on, variable terms are as if we're in "gtr" mode.
  // but note that everything is flipped for the "ltr" function.

  for (let i = 0; i < range.set.length; ++i) {
    const comparators = range.set[i]

    let high = null
    let low = null

    comparators.forEach((comparator) => {
      if (comparator.semver === ANY) {
        comparator = new Comparator('>=0.0.0')
      }
      high = high || comparator
      low = low || comparator
      if (gtfn(comparator.semver, high.semver, options)) {
        high = comparator
      } else if (ltfn(comparator.semver, low.semver, options)) {
        low = comparator
      }
    })

    // If the edge version comparator has a operator then our version
    // isn't outside it
    if (high.operator === comp || high.operator === ecomp) {
      return false
    }

    // If the lowest version comparator has an operator and our version
    // is less than it then it isn't higher than the range
    if ((!low.operator || low.operator === comp) &&
        ltefn(version, low.semver)) {
      return false
    } else if (low.operator === ecomp && ltfn(version, low.semver)) {
      return false
    }
  }
  return true
}

module.exports = outside


/***/ }),

/***/ 28:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



// given a set of versions and a range, create a "simplified" range
// that includes the same versions that the original range does
// If the original range is shorter than the simplified one, return that.
const satisfies = __nccwpck_require__(11)
const compare = __nccwpck_require__(469)
module.exports = (versions, range, options) => {
  const set = []
  let first = null
  let prev = null
  const v = versions.sort((a, b) => compare(a, b, options))
  for (const version of v) {
    const included = satisfies(version, range, options)
    if (included) {
      prev = version
      if (!first) {
        first = version
      }
    } else {
      if (prev) {
        set.push([first, prev])
      }
      prev = null
      first = null
    }
  }
  if (first) {
    set.push([first, null])
  }

  const ranges = []
  for (const [min, max] of set) {
    if (min === max) {
      ranges.push(min)
    } else if (!max && min === v[0]) {
      ranges.push('*')
    } else if (!max) {
      ranges.push(`>=${min}`)
    } else if (min === v[0]) {
      ranges.push(`<=${max}`)
    } else {
      ranges.push(`${min} - ${max}`)
    }
  }
  const simplified = ranges.join(' || ')
  const original = typeof range.raw === 'string' ? range.raw : String(range)
  return simplified.length < original.length ? simplified : range
}


/***/ }),

/***/ 489:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(782)
const Comparator = __nccwpck_require__(379)
const { ANY } = Comparator
const satisfies = __nccwpck_require__(11)
const compare = __nccwpck_require__(469)

// Complex range `r1 || r2 || ...` is a subset of `R1 || R2 || ...` iff:
// - Every simple range `r1, r2, ...` is a null set, OR
// - Every simple range `r1, r2, ...` which is not a null set is a subset of
//   some `R1, R2, ...`
//
// Simple range `c1 c2 ...` is a subset of simple range `C1 C2 ...` iff:
// - If c is only the ANY comparator
//   - If C is only the ANY comparator, return true
//   - Else if in prerelease mode, return false
//   - else replace c with `[>=0.0.0]`
// - If C is only the ANY comparator
//   - if in prerelease mode, return true
//   - else replace C with `[>=0.0.0]`
// - Let EQ be the set of = comparators in c
// - If EQ is more than one, return true (null set)
// - Let GT be the highest > or >= comparator in c
// - Let LT be the lowest < or <= comparator in c
// - If GT and LT, and GT.semver > LT.semver, return true (null set)
// - If any C is a = range, and GT or LT are set, return false
// - If EQ
//   - If GT, and EQ does not satisfy GT, return true (null set)
//   - If LT, and EQ does not satisfy LT, return true (null set)
//   - If EQ satisfies every C, return true
//   - Else return false
// - If GT
//   - If GT.semver is lower than any > or >= comp in C, return false
//   - If GT is >=, and GT.semver does not satisfy every C, return false
//   - If GT.semver has a prerelease, and not in prerelease mode
//     - If no C has a prerelease and the GT.semver tuple, return false
// - If LT
//   - If LT.semver is greater than any < or <= comp in C, return false
//   - If LT is <=, and LT.semver does not satisfy every C, return false
//   - If LT.semver has a prerelease, and not in prerelease mode
//     - If no C has a prerelease and the LT.semver tuple, return false
// - Else return true

const subset = (sub, dom, options = {}) => {
  if (sub === dom) {
    return true
  }

  sub = new Range(sub, options)
  dom = new Range(dom, options)
  let sawNonNull = false

  OUTER: for (const simpleSub of sub.set) {
    for (const simpleDom of dom.set) {
      const isSub = simpleSubset(simpleSub, simpleDom, options)
      sawNonNull = sawNonNull || isSub !== null
      if (isSub) {
        continue OUTER
      }
    }
    // the null set is a subset of everything, but null simple ranges in
    // a complex range should be ignored.  so if we saw a non-null range,
    // then we know this isn't a subset, but if EVERY simple range was null,
    // then it is a subset.
    if (sawNonNull) {
      return false
    }
  }
  return true
}

const minimumVersionWithPreRelease = [new Comparator('>=0.0.0-0')]
const minimumVersion = [new Comparator('>=0.0.0')]

const simpleSubset = (sub, dom, options) => {
  if (sub === dom) {
    return true
  }

  if (sub.length === 1 && sub[0].semver === ANY) {
    if (dom.length === 1 && dom[0].semver === ANY) {
      return true
    } else if (options.includePrerelease) {
      sub = minimumVersionWithPreRelease
    } else {
      sub = minimumVersion
    }
  }

  if (dom.length === 1 && dom[0].semver === ANY) {
    if (options.includePrerelease) {
      return true
    } else {
      dom = minimumVersion
    }
  }

  const eqSet = new Set()
  let gt, lt
  for (const c of sub) {
    if (c.operator === '>' || c.operator === '>=') {
      gt = higherGT(gt, c, options)
    } else if (c.operator === '<' || c.operator === '<=') {
      lt = lowerLT(lt, c, options)
    } else {
      eqSet.add(c.semver)
    }
  }

  if (eqSet.size > 1) {
    return null
  }

  let gtltComp
  if (gt && lt) {
    gtltComp = compare(gt.semver, lt.semver, options)
    if (gtltComp > 0) {
      return null
    } else if (gtltComp === 0 && (gt.operator !== '>=' || lt.operator !== '<=')) {
      return null
    }
  }

  // will iterate one or zero times
  for (const eq of eqSet) {
    if (gt && !satisfies(eq, String(gt), options)) {
      return null
    }

    if (lt && !satisfies(eq, String(lt), options)) {
      return null
    }

    for (const c of dom) {
      if (!satisfies(eq, String(c), options)) {
        return false
      }
    }

    return true
  }

  let higher, lower
  let hasDomLT, hasDomGT
  // if the subset has a prerelease, we need a comparator in the superset
  // with the same tuple and a prerelease, or it's not a subset
  let needDomLTPre = lt &&
    !options.includePrerelease &&
    lt.semver.prerelease.length ? lt.semver : false
  let needDomGTPre = gt &&
    !options.includePrerelease &&
    gt.semver.prerelease.length ? gt.semver : false
  // exception: <1.2.3-0 is the same as <1.2.3
  if (needDomLTPre && needDomLTPre.prerelease.length === 1 &&
      lt.operator === '<' && needDomLTPre.prerelease[0] === 0) {
    needDomLTPre = false
  }

  for (const c of dom) {
    hasDomGT = hasDomGT || c.operator === '>' || c.operator === '>='
    hasDomLT = hasDomLT || c.operator === '<' || c.operator === '<='
    if (gt) {
      if (needDomGTPre) {
        if (c.semver.prerelease && c.semver.prerelease.length &&
            c.semver.major === needDomGTPre.major &&
            c.semver.minor === needDomGTPre.minor &&
            c.semver.patch === needDomGTPre.patch) {
          needDomGTPre = false
        }
      }
      if (c.operator === '>' || c.operator === '>=') {
        higher = higherGT(gt, c, options)
        if (higher === c && higher !== gt) {
          return false
        }
      } else if (gt.operator === '>=' && !c.test(gt.semver)) {
        return false
      }
    }
    if (lt) {
      if (needDomLTPre) {
        if (c.semver.prerelease && c.semver.prerelease.length &&
            c.semver.major === needDomLTPre.major &&
            c.semver.minor === needDomLTPre.minor &&
            c.semver.patch === needDomLTPre.patch) {
          needDomLTPre = false
        }
      }
      if (c.operator === '<' || c.operator === '<=') {
        lower = lowerLT(lt, c, options)
        if (lower === c && lower !== lt) {
          return false
        }
      } else if (lt.operator === '<=' && !c.test(lt.semver)) {
        return false
      }
    }
    if (!c.operator && (lt || gt) && gtltComp !== 0) {
      return false
    }
  }

  // if there was a < or >, and nothing in the dom, then must be false
  // UNLESS it was limited by another range in the other direction.
  // Eg, >1.0.0 <1.0.1 is still a subset of <2.0.0
  if (gt && hasDomLT && !lt && gtltComp !== 0) {
    return false
  }

  if (lt && hasDomGT && !gt && gtltComp !== 0) {
    return false
  }

  // we needed a prerelease range in a specific tuple, but didn't get one
  // then this isn't a subset.  eg >=1.2.3-pre is not a subset of >=1.0.0,
  // because it includes prereleases in the 1.2.3 tuple
  if (needDomGTPre || needDomLTPre) {
    return false
  }

  return true
}

// >=1.2.3 is lower than >1.2.3
const higherGT = (a, b, options) => {
  if (!a) {
    return b
  }
  const comp = compare(a.semver, b.semver, options)
  return comp > 0 ? a
    : comp < 0 ? b
    : b.operator === '>' && a.operator === '>=' ? b
    : a
}

// <=1.2.3 is higher than <1.2.3
const lowerLT = (a, b, options) => {
  if (!a) {
    return b
  }
  const comp = compare(a.semver, b.semver, options)
  return comp < 0 ? a
    : comp > 0 ? b
    : b.operator === '<' && a.operator === '<=' ? b
    : a
}

module.exports = subset


/***/ }),

/***/ 750:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(782)

// Mostly just for testing and legacy API reasons
const toComparators = (range, options) =>
  new Range(range, options).set
    .map(comp => comp.map(c => c.value).join(' ').trim().split(' '))

module.exports = toComparators


/***/ }),

/***/ 118:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Range = __nccwpck_require__(782)
const validRange = (range, options) => {
  try {
    // Return '*' instead of '' so that truthiness works.
    // This will throw if it's invalid anyway
    return new Range(range, options).range || '*'
  } catch (er) {
    return null
  }
}
module.exports = validRange


/***/ }),

/***/ 867:
/***/ ((__webpack_module__, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(__webpack_module__, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _run_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(103);

process.exitCode = await (0,_run_js__WEBPACK_IMPORTED_MODULE_0__/* .runCli */ .a)(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
});

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 103:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  a: () => (/* binding */ runCli)
});

// UNUSED EXPORTS: commands

;// CONCATENATED MODULE: ./build/src/core/errors.js
/**
 * Bad usage or input: the CLI exits 2 and the action fails before changing anything.
 * The message always names the input, the bad value and what would be accepted.
 */
class InputError extends Error {
    input;
    value;
    expected;
    name = 'InputError';
    constructor(input, value, expected) {
        super(`${input}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
        this.input = input;
        this.value = value;
        this.expected = expected;
    }
}
/** A precondition of the repository is not met (shallow clone, dirty tree…); the fix is a command. */
class PreconditionError extends Error {
    fix;
    name = 'PreconditionError';
    constructor(message, fix) {
        super(`${message}\nFix: ${fix}`);
        this.fix = fix;
    }
}
/** True for errors that mean "the user must change something" rather than "the operation failed". */
function isUsageError(error) {
    return error instanceof InputError || error instanceof PreconditionError;
}

;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./build/src/cli/command.js


const helpOption = {
    help: { type: 'boolean', short: 'h', help: 'show this help' },
};
/** Parses argv strictly: an unknown flag or a missing value is a usage error that names it. */
function parseCommandArgs(command, argv) {
    const options = { ...command.options, ...helpOption };
    try {
        const { values, positionals } = (0,external_node_util_namespaceObject.parseArgs)({
            args: argv,
            options: Object.fromEntries(Object.entries(options).map(([k, { help: _h, placeholder: _p, ...o }]) => [k, o])),
            allowPositionals: true,
            strict: true,
        });
        const max = command.positionals?.length ?? 0;
        if (!values.help && positionals.length > max) {
            throw new InputError('argument', positionals[max], max ? `at most ${max} argument(s): ${command.usage}` : `no arguments: ${command.usage}`);
        }
        return { values: values, positionals };
    }
    catch (error) {
        if (error instanceof InputError)
            throw error;
        // node:util's messages are long and quote a workaround that does not apply; keep the facts.
        const message = error instanceof Error ? error.message : String(error);
        const flags = Object.keys(options).map((o) => `--${o}`).join(', ');
        const unknown = /Unknown option '([^']+)'/.exec(message);
        if (unknown)
            throw new InputError('option', unknown[1], `one of ${flags} (see release-flow ${command.name} --help)`);
        const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
        if (missing)
            throw new InputError(missing[1], '', `a value after ${missing[1]} (see release-flow ${command.name} --help)`);
        throw new InputError(`release-flow ${command.name}`, argv.join(' '), `${message.split('. ')[0]}. Usage: ${command.usage}`);
    }
}
function commandHelp(command) {
    const lines = [`${command.summary}`, '', `Usage: ${command.usage}`, ''];
    if (command.positionals?.length) {
        lines.push('Arguments:');
        for (const p of command.positionals)
            lines.push(`  ${p.name.padEnd(26)} ${p.help}`);
        lines.push('');
    }
    lines.push('Options:');
    for (const [name, spec] of Object.entries({ ...command.options, ...helpOption })) {
        const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
        lines.push(`  ${flag.padEnd(26)} ${spec.help}`);
    }
    lines.push('', 'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.');
    return lines.join('\n') + '\n';
}
function stringValue(args, name) {
    const value = args.values[name];
    return typeof value === 'string' ? value : undefined;
}
function flag(args, name) {
    return args.values[name] === true;
}

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: ./build/src/adapters/docker.js

/** A docker command that failed: the argv (never a secret: those travel in the environment) and why. */
class DockerError extends Error {
    args;
    exitCode;
    stderr;
    name = 'DockerError';
    constructor(args, exitCode, stderr, options) {
        const tail = stderr.trim().split('\n').slice(-15).join('\n');
        super(`docker ${args.slice(0, 3).join(' ')} failed (${exitCode === null ? 'could not run' : `exit ${exitCode}`})${tail ? `:\n${tail}` : ''}`, options);
        this.args = args;
        this.exitCode = exitCode;
        this.stderr = stderr;
    }
}
/** Keeps what explains a failure without letting a chatty build grow memory without bound. */
const STDERR_LIMIT = 256 * 1024;
function createDocker(options = {}) {
    const dockerPath = options.dockerPath ?? 'docker';
    return {
        run(args, runOptions = {}) {
            return new Promise((resolve, reject) => {
                const child = (0,external_node_child_process_namespaceObject.spawn)(dockerPath, args, {
                    cwd: runOptions.cwd,
                    stdio: ['ignore', 'pipe', 'pipe'],
                    env: { ...process.env, ...runOptions.env },
                });
                let stdout = '';
                let stderr = '';
                let partial = '';
                child.stdout.setEncoding('utf8');
                child.stdout.on('data', (data) => (stdout += data));
                child.stderr.setEncoding('utf8');
                child.stderr.on('data', (data) => {
                    stderr = (stderr + data).slice(-STDERR_LIMIT);
                    if (!runOptions.onLine)
                        return;
                    const lines = (partial + data).split('\n');
                    partial = lines.pop() ?? '';
                    for (const line of lines)
                        runOptions.onLine(line);
                });
                child.once('error', (error) => reject(new DockerError(args, null, String(error), { cause: error })));
                child.once('close', (exitCode) => {
                    if (partial && runOptions.onLine)
                        runOptions.onLine(partial);
                    if (exitCode === 0)
                        resolve({ stdout, stderr });
                    else
                        reject(new DockerError(args, exitCode, stderr));
                });
            });
        },
    };
}

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: ./build/src/adapters/docker-credentials.js




/** Credentials were configured but could not be read; the message never holds a secret. */
class CredentialsError extends Error {
    name = 'CredentialsError';
}
// Docker keys Docker Hub's credentials by its v1 index URL, whatever name the image uses.
const dockerHubServer = 'https://index.docker.io/v1/';
const dockerHubHosts = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
// docker-credential-helpers' fixed answer when it has nothing for a server (any helper, any OS).
const notFoundMessage = 'credentials not found';
/**
 * Reads credentials the way the docker CLI does: a per-registry `credHelpers` entry wins, then the
 * global `credsStore`, then the base64 `auth` of `auths` in config.json. The file is read on each
 * call, so a `docker login` made meanwhile is seen.
 */
function dockerConfigCredentials(options = {}) {
    return {
        async get(registry) {
            const configDir = options.configDir ?? (process.env.DOCKER_CONFIG || (0,external_node_path_namespaceObject.join)((0,external_node_os_namespaceObject.homedir)(), '.docker'));
            const file = (0,external_node_path_namespaceObject.join)(configDir, 'config.json');
            const config = await readConfig(file);
            if (!config)
                return null;
            const server = serverAddress(registry);
            const helper = helperFor(config, registry, server, file);
            if (helper)
                return runHelper(helper, server, options.helperTimeoutMs ?? 30_000);
            return fromAuths(config, registry, file);
        },
    };
}
/** The address docker passes to helpers and uses as the `auths` key: the host, or Hub's index URL. */
function serverAddress(registry) {
    return dockerHubHosts.has(registry) ? dockerHubServer : registry;
}
async function readConfig(file) {
    let text;
    try {
        text = await (0,promises_namespaceObject.readFile)(file, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return null;
        throw new CredentialsError(`cannot read ${file}: ${error.message}`);
    }
    let parsed;
    try {
        parsed = JSON.parse(text);
    }
    catch {
        // JSON.parse's own message quotes the text around the error, which may be an `auth` value.
        throw new CredentialsError(`${file} is not valid JSON; expected the docker CLI's config file (fix it, or run \`docker login\` again)`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new CredentialsError(`${file} holds ${Array.isArray(parsed) ? 'an array' : typeof parsed}; expected a JSON object as \`docker login\` writes it`);
    }
    return parsed;
}
/** The helper's name (`osxkeychain` for docker-credential-osxkeychain), or null to use `auths`. */
function helperFor(config, registry, server, file) {
    const helpers = config.credHelpers ?? {};
    const perRegistry = matchingKey(Object.keys(helpers), registry, server);
    const name = perRegistry === undefined ? config.credsStore : helpers[perRegistry];
    if (name === undefined || name === '')
        return null;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.-]*$/.test(name)) {
        throw new CredentialsError(`${file}: the credential helper for ${registry} is ${JSON.stringify(name)}; expected a helper name such as "osxkeychain" or "pass"`);
    }
    return name;
}
/** The key docker would use: exact match first, then any key whose host part is the registry's. */
function matchingKey(keys, registry, server) {
    const wanted = dockerHubHosts.has(registry) ? dockerHubHosts : new Set([registry]);
    return keys.find((key) => key === server || key === registry) ?? keys.find((key) => wanted.has(hostOf(key)));
}
/** `https://ghcr.io/v2/` → `ghcr.io`, as the docker CLI's ConvertToHostname does. */
function hostOf(key) {
    return key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
}
function fromAuths(config, registry, file) {
    const auths = config.auths ?? {};
    const key = matchingKey(Object.keys(auths), registry, serverAddress(registry));
    const entry = key === undefined ? undefined : auths[key];
    if (!entry)
        return null;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw new CredentialsError(`${file}: auths["${key}"].auth is not base64 of "user:password"; run \`docker login ${registry}\` again`);
        }
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    // Older clients and other tools write the two fields apart.
    if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
        return { username: entry.username, password: entry.password };
    }
    // An empty entry is what `docker login` leaves beside a credential store: nothing here.
    return null;
}
/** Runs `docker-credential-<name> get` with the server on stdin, per the docker-credential-helpers protocol. */
function runHelper(name, server, timeoutMs) {
    const program = `docker-credential-${name}`;
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_namespaceObject.spawn)(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (data) => (stdout += data));
        child.stderr.setEncoding('utf8').on('data', (data) => (stderr = (stderr + data).slice(-4096)));
        // A helper that exits before reading stdin makes the write fail; its exit status tells why.
        child.stdin.on('error', () => { });
        child.stdin.end(server);
        child.once('error', (error) => {
            // No such helper installed: docker itself then has nothing either, so neither do we.
            if (error.code === 'ENOENT')
                resolve(null);
            else
                reject(new CredentialsError(`${program} get could not run for ${server}: ${error.message}`));
        });
        child.once('close', (code, signal) => {
            if (code === 0) {
                try {
                    resolve(parseHelperOutput(program, server, stdout));
                }
                catch (error) {
                    reject(error);
                }
                return;
            }
            // Helpers print their error on stdout; on success stdout holds the secret, never quoted here.
            const said = firstLine(stdout) || firstLine(stderr);
            if (said.toLowerCase().includes(notFoundMessage)) {
                resolve(null);
                return;
            }
            const why = signal ? `was stopped (${signal}${signal === 'SIGTERM' ? `, no answer within ${timeoutMs}ms` : ''})` : `exited with ${code}`;
            reject(new CredentialsError(`${program} get ${why} for ${server}${said && !said.includes('Secret') ? `: ${said}` : ''}`));
        });
    });
}
function parseHelperOutput(program, server, stdout) {
    let parsed;
    try {
        parsed = JSON.parse(stdout);
    }
    catch {
        throw new CredentialsError(`${program} get answered for ${server} with something that is not JSON; expected {"Username": …, "Secret": …}`);
    }
    const { Username: username, Secret: password } = (typeof parsed === 'object' && parsed !== null ? parsed : {});
    if (typeof username !== 'string' || typeof password !== 'string') {
        throw new CredentialsError(`${program} get answered for ${server} without string "Username" and "Secret" fields`);
    }
    if (username === '' && password === '')
        return null;
    return { username, password };
}
function firstLine(text) {
    return (text.trim().split('\n')[0] ?? '').trim().slice(0, 200);
}

;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
;// CONCATENATED MODULE: ./build/src/core/image-ref.js

// The distribution spec's grammar (distribution/reference): path components of lower-case letters
// and digits joined by `.`, `_`, `__` or `-`; a registry is a host (with a dot or a port, or localhost).
const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const pathPattern = new RegExp(`^${component}(?:/${component})*$`);
const hostPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
/** distribution/reference's NameTotalLengthMax, counted on the normalised `registry/repository`. */
const nameMaxLength = 255;
/** Docker Hub under the names docker normalises (`index.docker.io` is the legacy one). */
const dockerHubRegistries = new Set(['docker.io', 'index.docker.io']);
/** Parses `ghcr.io/owner/synapse`; a tag or digest in it is refused, since tags come from versions. */
function parseImageName(text, input = 'image') {
    const name = text.trim();
    if (name === '')
        throw new InputError(input, text, 'an image name such as ghcr.io/owner/synapse');
    const last = name.slice(name.lastIndexOf('/') + 1);
    if (name.includes('@') || last.includes(':')) {
        throw new InputError(input, text, 'an image name without a tag or digest (tags come from the version), such as ghcr.io/owner/synapse');
    }
    const slash = name.indexOf('/');
    const first = slash === -1 ? '' : name.slice(0, slash);
    const hasRegistry = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
    const registry = hasRegistry ? first : 'docker.io';
    let repository = hasRegistry ? name.slice(slash + 1) : name;
    if (hasRegistry && !hostPattern.test(registry)) {
        throw new InputError(input, text, 'a registry host such as ghcr.io or 127.0.0.1:5000 before the first "/"');
    }
    if (repository !== repository.toLowerCase()) {
        throw new InputError(input, text, `a lower-case repository name (registries refuse upper case): ${registry === 'docker.io' ? '' : `${registry}/`}${repository.toLowerCase()}`);
    }
    if (!pathPattern.test(repository)) {
        throw new InputError(input, text, 'a repository of lower-case letters, digits and separators (. _ -) in /-separated parts, such as ghcr.io/owner/synapse');
    }
    // `nginx`, `docker.io/nginx` and `index.docker.io/nginx` are all Docker Hub's `library/nginx`.
    if (dockerHubRegistries.has(registry) && !repository.includes('/'))
        repository = `library/${repository}`;
    if (`${dockerHubRegistries.has(registry) ? 'docker.io' : registry}/${repository}`.length > nameMaxLength) {
        throw new InputError(input, text, `an image name of at most ${nameMaxLength} characters (registry and repository)`);
    }
    return { registry, repository, name };
}
function isValidTag(tag) {
    return tagPattern.test(tag);
}

;// CONCATENATED MODULE: ./build/src/core/oci-labels.js
const revisionLabel = 'org.opencontainers.image.revision';
/** OCI labels (and annotations: the same keys) for the per-platform manifests and the index. */
function ociLabels(facts, extra = {}) {
    const labels = {};
    for (const key of ['title', 'description', 'source', 'url', 'version', 'revision', 'created', 'licenses']) {
        const value = facts[key];
        if (value)
            labels[`org.opencontainers.image.${key}`] = value;
    }
    // Extra labels may add or override any fact but the revision: the registry checks (an immutable
    // tag re-run, `latest` only moving forward) read the commit from it.
    const merged = { ...labels, ...extra };
    if (facts.revision)
        merged[revisionLabel] = facts.revision;
    return merged;
}

;// CONCATENATED MODULE: ./build/src/adapters/retry.js
// The one place where HTTP adapters retry (modelled on actions/checkout's retry helper): a bounded
// attempt loop with exponential backoff, a server's own wait (Retry-After, a rate-limit reset)
// taking precedence, every wait capped, one log line per retry. What counts as retryable, what
// a failure is called and the final error stay with each adapter, which knows its API.
function retryPolicy(options, defaults) {
    return {
        attempts: (options.retries ?? defaults.retries) + 1,
        baseDelayMs: options.retryBaseDelayMs ?? defaults.baseDelayMs,
        maxDelayMs: options.maxRetryDelayMs ?? defaults.maxDelayMs,
        timeoutMs: options.requestTimeoutMs ?? defaults.timeoutMs,
    };
}
/**
 * The wait before the attempt after `attemptNumber` (1 for the first): the server's hint when it
 * gave one, else the base delay doubled per retry; never negative, at most `maxDelayMs`, whole ms.
 */
function retryDelayMs(policy, attemptNumber, hintMs) {
    const backoff = policy.baseDelayMs * 2 ** (attemptNumber - 1);
    return Math.round(Math.min(Math.max(hintMs ?? backoff, 0), policy.maxDelayMs));
}
/** Retry-After is either delay-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header, now = Date.now()) {
    if (header === undefined || header === null || header.trim() === '')
        return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds))
        return seconds * 1000;
    const date = Date.parse(header);
    return Number.isNaN(date) ? undefined : date - now;
}
/** `250ms`, `1s`, `1.5s`. */
function formatDelay(ms) {
    return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
const sleepFor = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Runs `attempt` until it resolves, each time with a signal that aborts after `policy.timeoutMs`.
 * A failure the handlers deem retryable is logged as
 * `<summary>, retrying in 1s (attempt 2 of 4)` and retried after the delay, while attempts remain.
 */
async function withRetries(policy, attempt, handlers) {
    const sleep = handlers.sleep ?? sleepFor;
    for (let attemptNumber = 1;; attemptNumber++) {
        try {
            return await attempt(AbortSignal.timeout(policy.timeoutMs));
        }
        catch (error) {
            const failure = handlers.classify(error);
            if (!failure.retryable || attemptNumber >= policy.attempts)
                throw handlers.giveUp(failure, attemptNumber);
            const delayMs = retryDelayMs(policy, attemptNumber, failure.delayHintMs);
            handlers.log(`${failure.summary}, retrying in ${formatDelay(delayMs)} (attempt ${attemptNumber + 1} of ${policy.attempts})`);
            await sleep(delayMs);
        }
    }
}

;// CONCATENATED MODULE: ./build/src/adapters/registry.js





/** A registry call that failed for good; the message never contains a password or token. */
class RegistryError extends Error {
    status;
    call;
    name = 'RegistryError';
    constructor(message, 
    /** HTTP status of the last answer, or undefined when none arrived. */
    status, 
    /** e.g. "HEAD /v2/owner/app/manifests/v1.0.0" */
    call) {
        super(message);
        this.status = status;
        this.call = call;
    }
}
const mediaTypes = {
    ociIndex: 'application/vnd.oci.image.index.v1+json',
    ociManifest: 'application/vnd.oci.image.manifest.v1+json',
    dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
    dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
};
const manifestAccept = [mediaTypes.ociIndex, mediaTypes.ociManifest, mediaTypes.dockerManifestList, mediaTypes.dockerManifest].join(', ');
const indexTypes = new Set([mediaTypes.ociIndex, mediaTypes.dockerManifestList]);
const imageManifestTypes = new Set([mediaTypes.ociManifest, mediaTypes.dockerManifest]);
// The distribution spec lets registries refuse manifests over 4 MiB; config blobs are small JSON.
// Anything far bigger is not what we asked for and is not read into memory.
const maxBodyBytes = 16 * 1024 * 1024;
const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** The base URL of a registry's API: plain http for loopback, as Docker treats those as insecure. */
function registryBaseUrl(registry) {
    if (registry === 'docker.io' || registry === 'index.docker.io')
        return 'https://registry-1.docker.io';
    return `${isLoopbackHost(registry) ? 'http' : 'https'}://${registry}`;
}
/** `localhost`, 127.0.0.0/8 or [::1], with or without a port. */
function isLoopbackHost(hostWithPort) {
    const host = hostWithPort.startsWith('[') ? hostWithPort.slice(0, hostWithPort.indexOf(']') + 1) : hostWithPort.replace(/:\d+$/, '');
    return host === 'localhost' || host === '[::1]' || /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);
}
/** Parses a WWW-Authenticate header (RFC 9110 §11.6.1), which may hold several challenges. */
function parseAuthChallenges(header) {
    const challenges = [];
    const token = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
    let at = 0;
    const skip = (pattern) => {
        while (at < header.length && pattern.test(header[at]))
            at++;
    };
    while (at < header.length) {
        skip(/[\s,]/);
        token.lastIndex = at;
        const name = token.exec(header)?.[0];
        if (name === undefined)
            break;
        at += name.length;
        skip(/\s/);
        if (header[at] !== '=') {
            challenges.push({ scheme: name.toLowerCase(), params: {} });
            continue;
        }
        at++;
        skip(/\s/);
        let value = '';
        if (header[at] === '"') {
            for (at++; at < header.length && header[at] !== '"'; at++)
                value += header[at] === '\\' ? (header[++at] ?? '') : header[at];
            at++;
        }
        else {
            const end = header.slice(at).search(/[\s,]/);
            value = end === -1 ? header.slice(at) : header.slice(at, at + end);
            at += value.length;
        }
        const current = challenges.at(-1);
        if (current)
            current.params[name.toLowerCase()] = value;
    }
    return challenges;
}
function createRegistryClient(options = {}) {
    const policy = retryPolicy(options, { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 30_000 });
    // Every password, basic string and token the client handles, so no message can carry one.
    // Strings under 4 characters are skipped: masking them would garble messages, not protect anything.
    const secrets = new Set();
    const keepSecret = (secret) => {
        if (secret.length >= 4)
            secrets.add(secret);
    };
    const redact = (text) => [...secrets].reduce((out, secret) => out.replaceAll(secret, '***'), text);
    const log = (line) => options.log?.(redact(line));
    const fail = (message, status, call) => new RegistryError(redact(message), status, call);
    const http = { policy, log, fail };
    /** Authorization header values by registry and scope, for the client's life. */
    const authorizations = new Map();
    const credentialLookups = new Map();
    function credentialsFor(registry) {
        let lookup = credentialLookups.get(registry);
        if (!lookup) {
            lookup = (options.credentials?.get(registry) ?? Promise.resolve(null)).then((found) => {
                if (found) {
                    keepSecret(found.password);
                    keepSecret(basic(found).slice('Basic '.length));
                }
                return found;
            });
            credentialLookups.set(registry, lookup);
        }
        return lookup;
    }
    /** One GET or HEAD of the registry API, authenticating as the registry asks; 401/403 throw. */
    async function send(image, method, path, accept) {
        const scope = `repository:${image.repository}:pull`;
        const key = `${image.registry} ${scope}`;
        const call = `${method} ${path}`;
        const url = registryBaseUrl(image.registry) + path;
        const headers = (authorization) => ({
            ...(accept && { accept }),
            ...(authorization && { authorization }),
        });
        const where = `registry ${image.registry}`;
        let reply = await exchange(http, where, call, url, method, headers(authorizations.get(key)));
        // A 401 with a cached token means it expired: challenge again, once.
        if (reply.status === 401) {
            const authorization = await authenticate(image, scope, reply.headers.get('www-authenticate') ?? '');
            authorizations.set(key, authorization);
            reply = await exchange(http, where, call, url, method, headers(authorization));
        }
        if (reply.status === 401 || reply.status === 403) {
            throw await notAuthorized(image, reply.status, call);
        }
        return reply;
    }
    async function notAuthorized(image, status, call) {
        const had = await credentialsFor(image.registry).catch(() => null);
        const login = image.registry === 'docker.io' ? 'docker login' : `docker login ${image.registry}`;
        const why = had ? `the credentials for ${image.registry} were refused` : `no credentials for ${image.registry} were found`;
        return fail(`not authorized to read ${image.name}: run \`${login}\` (${why})`, status, call);
    }
    /** The Authorization header value that answers the registry's challenge. */
    async function authenticate(image, scope, header) {
        const challenges = parseAuthChallenges(header);
        const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
        if (bearer)
            return bearerToken(image, scope, bearer.params);
        if (challenges.some((challenge) => challenge.scheme === 'basic')) {
            const credentials = await credentialsFor(image.registry);
            if (!credentials)
                throw await notAuthorized(image, 401);
            return basic(credentials);
        }
        const offered = challenges.map((challenge) => challenge.scheme).join(', ') || 'no WWW-Authenticate challenge';
        throw fail(`registry ${image.registry} asked for authentication (${offered}); expected a Bearer or Basic challenge`, 401);
    }
    /** The token flow of the distribution spec: GET realm?service&scope, with Basic when we have credentials. */
    async function bearerToken(image, scope, params) {
        let realm;
        try {
            realm = new URL(params.realm ?? '');
            if (realm.protocol !== 'https:' && realm.protocol !== 'http:')
                throw new Error('not http(s)');
        }
        catch {
            throw fail(`registry ${image.registry} sent a Bearer challenge whose realm ${JSON.stringify(params.realm ?? '')} is not an http(s) URL`, 401);
        }
        if (params.service !== undefined)
            realm.searchParams.set('service', params.service);
        realm.searchParams.set('scope', scope);
        const credentials = await credentialsFor(image.registry);
        if (credentials && realm.protocol === 'http:' && !isLoopbackHost(realm.host)) {
            throw fail(`registry ${image.registry} sent its token realm over plain http (${realm.origin}); refusing to send credentials there`, 401);
        }
        const where = `token server ${realm.host}`;
        const call = `GET ${realm.pathname}`;
        const reply = await exchange(http, where, call, realm.href, 'GET', credentials ? { authorization: basic(credentials) } : {});
        if (reply.status === 401 || reply.status === 403)
            throw await notAuthorized(image, reply.status, call);
        if (reply.status !== 200)
            throw unexpected(where, call, reply);
        const body = parseJson(reply.body);
        const token = [body?.token, body?.access_token].find((value) => typeof value === 'string' && value !== '');
        if (token === undefined)
            throw fail(`${where} answered ${call} without a "token" or "access_token"`, reply.status, call);
        keepSecret(token);
        return `Bearer ${token}`;
    }
    function unexpected(where, call, reply) {
        return fail(`${where} answered ${statusText(reply)} to ${call}${errorDetail(reply)}`, reply.status, call);
    }
    async function resolveTag(image, tag) {
        if (!isValidTag(tag))
            throw new InputError('tag', tag, 'a tag of letters, digits, _ . and - (at most 128, not starting with . or -)');
        const path = `/v2/${image.repository}/manifests/${tag}`;
        const reply = await send(image, 'HEAD', path, manifestAccept);
        if (reply.status === 404)
            return null;
        if (reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, `HEAD ${path}`, reply);
        const digest = reply.headers.get('docker-content-digest');
        const mediaType = contentType(reply);
        if (digest && digestPattern.test(digest) && mediaType)
            return { digest, mediaType };
        // The spec only says SHOULD for both headers on HEAD: read the manifest and hash it instead.
        const manifest = await getManifest(image, tag, undefined);
        return { digest: manifest.digest, mediaType: manifest.mediaType };
    }
    /** GET a manifest by tag or digest; the content is checked against the digest asked or announced. */
    async function getManifest(image, reference, expectedDigest) {
        const path = `/v2/${image.repository}/manifests/${reference}`;
        const reply = await send(image, 'GET', path, manifestAccept);
        if (reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, `GET ${path}`, reply);
        const announced = reply.headers.get('docker-content-digest') ?? undefined;
        const digest = verifiedDigest(reply.body, expectedDigest ?? announced, `${image.name}@${reference}`);
        const json = parseJson(reply.body);
        if (typeof json !== 'object' || json === null)
            throw fail(`registry ${image.registry} answered GET ${path} with a body that is not a JSON manifest`, 200, `GET ${path}`);
        const body = json;
        const mediaType = (typeof body.mediaType === 'string' && body.mediaType) || contentType(reply) || (Array.isArray(body.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest);
        return { digest, mediaType, body };
    }
    async function getConfigBlob(image, digest) {
        const path = `/v2/${image.repository}/blobs/${digest}`;
        const reply = await send(image, 'GET', path);
        if (reply.status !== 200)
            throw unexpected(`registry ${image.registry}`, `GET ${path}`, reply);
        verifiedDigest(reply.body, digest, `${image.name}@${digest}`);
        return parseJson(reply.body);
    }
    /** Rejects content that is not what was asked for: fail closed rather than trust a bad answer. */
    function verifiedDigest(body, expected, what) {
        const sha256 = `sha256:${(0,external_node_crypto_namespaceObject.createHash)('sha256').update(body).digest('hex')}`;
        if (expected === undefined)
            return sha256;
        const algorithm = expected.slice(0, expected.indexOf(':'));
        if (algorithm !== 'sha256' && algorithm !== 'sha512')
            return expected;
        const actual = algorithm === 'sha256' ? sha256 : `sha512:${(0,external_node_crypto_namespaceObject.createHash)('sha512').update(body).digest('hex')}`;
        if (actual !== expected)
            throw fail(`the registry sent content for ${what} whose digest is ${actual}, not ${expected}`);
        return expected;
    }
    function descriptorDigest(image, descriptor, what) {
        const digest = descriptor?.digest;
        if (typeof digest !== 'string' || !digestPattern.test(digest)) {
            throw fail(`${image.name}: ${what} has no valid digest (${JSON.stringify(digest)}); expected algorithm:hex such as sha256:…`);
        }
        return digest;
    }
    async function revisionOf(image, tag) {
        // HEAD first, so that 404 on it stays the one answer meaning "no such tag"; then read by
        // digest, so that the content is the very one whose digest is reported even if the tag moves.
        const ref = await resolveTag(image, tag);
        if (!ref)
            return null;
        const top = await getManifest(image, ref.digest, ref.digest);
        const fromTop = annotation(top.body);
        if (fromTop !== null)
            return { digest: ref.digest, revision: fromTop };
        let manifest = top;
        if (indexTypes.has(top.mediaType)) {
            const entries = Array.isArray(top.body.manifests) ? top.body.manifests : [];
            const first = entries.find(isPlatformManifest);
            if (!first)
                return { digest: ref.digest, revision: null };
            const digest = descriptorDigest(image, first, `the first platform manifest of ${tag}`);
            manifest = await getManifest(image, digest, digest);
            const fromManifest = annotation(manifest.body);
            if (fromManifest !== null)
                return { digest: ref.digest, revision: fromManifest };
        }
        if (!imageManifestTypes.has(manifest.mediaType)) {
            throw fail(`${image.name}:${tag} leads to a manifest of type ${manifest.mediaType}; expected an image manifest (${[...imageManifestTypes].join(' or ')})`);
        }
        const configDigest = descriptorDigest(image, manifest.body.config, `the config of ${manifest.digest}`);
        const config = (await getConfigBlob(image, configDigest));
        const label = config?.config?.Labels?.[revisionLabel];
        return { digest: ref.digest, revision: typeof label === 'string' && label !== '' ? label : null };
    }
    async function platformsOf(image, digest) {
        const top = await getManifest(image, digest, digest);
        const entries = indexTypes.has(top.mediaType) ? (top.body.manifests ?? []).filter(isPlatformManifest) : [{ digest, platform: undefined }];
        const sizes = [];
        for (const entry of entries) {
            const entryDigest = descriptorDigest(image, entry, `a platform manifest of ${digest}`);
            const manifest = entryDigest === digest ? top : await getManifest(image, entryDigest, entryDigest);
            const parts = [manifest.body.config, ...(manifest.body.layers ?? [])];
            const size = parts.reduce((sum, part) => sum + (typeof part?.size === 'number' ? part.size : 0), 0);
            const p = entry.platform;
            const platform = p ? [p.os, p.architecture, p.variant].filter((x) => typeof x === 'string' && x).join('/') : 'unknown';
            sizes.push({ platform, digest: entryDigest, size });
        }
        return sizes;
    }
    return { resolveTag, revisionOf, platformsOf };
}
function annotation(body) {
    const value = body.annotations?.[revisionLabel];
    return typeof value === 'string' && value !== '' ? value : null;
}
/** buildx lists attestations (provenance, SBOM) as `unknown/unknown` manifests in the index. */
function isPlatformManifest(entry) {
    if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
        return false;
    return !(entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown');
}
function basic(credentials) {
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
function parseJson(body) {
    try {
        return JSON.parse(body.toString('utf8'));
    }
    catch {
        return undefined;
    }
}
function contentType(reply) {
    return reply.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}
function statusText(reply) {
    return `${reply.status}${reply.statusText ? ` ${reply.statusText}` : ''}`;
}
/** The distribution spec's error body, `{"errors":[{"code","message"}]}`, as one short line. */
function errorDetail(reply) {
    const body = parseJson(reply.body);
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    const text = errors
        .map((error) => [error.code, error.message].filter((part) => typeof part === 'string' && part !== '').join(': '))
        .filter((line) => line !== '')
        .join('; ');
    return text ? `: ${text.slice(0, 300)}` : '';
}
/** Thrown inside an attempt so that the shared loop retries an answer with a retryable status. */
class RetryableReply {
    reply;
    constructor(reply) {
        this.reply = reply;
    }
}
/**
 * One request, retried on 5xx, 429, network errors and timeouts with exponential backoff; any
 * other status is returned for the caller to judge. The body is read inside the attempt, so a
 * connection cut mid-body is retried too.
 */
function exchange(http, where, call, url, method, headers) {
    return withRetries(http.policy, async (signal) => {
        const response = await fetch(url, { method, headers, signal });
        // On HEAD, Content-Length is the manifest's size and no body follows.
        const length = method === 'HEAD' ? 0 : Number(response.headers.get('content-length') ?? 0);
        if (length > maxBodyBytes) {
            await response.body?.cancel();
            throw http.fail(`${where} answered ${call} with ${length} bytes; expected a manifest or config of at most ${maxBodyBytes}`, response.status, call);
        }
        const reply = { status: response.status, statusText: response.statusText, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
        if (isRetryable(reply.status))
            throw new RetryableReply(reply);
        return reply;
    }, {
        classify: (error) => {
            const reply = error instanceof RetryableReply ? error.reply : undefined;
            const what = reply ? statusText(reply) : networkFailure(error, http.policy.timeoutMs);
            return {
                what,
                status: reply?.status,
                error,
                summary: `${where}: ${what} on ${call}`,
                retryable: !(error instanceof RegistryError),
                delayHintMs: retryAfterMs(reply?.headers.get('retry-after')),
            };
        },
        giveUp: (failure, attempts) => failure.retryable ? http.fail(`${where} did not answer ${call} after ${attempts} attempts (last: ${failure.what})`, failure.status, call) : failure.error,
        log: http.log,
    });
}
function isRetryable(status) {
    return status >= 500 || status === 429;
}
/** fetch reports "fetch failed" with the reason in `cause` (ECONNREFUSED, ECONNRESET…). */
function networkFailure(error, timeoutMs) {
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))
        return `no answer within ${formatDelay(timeoutMs)}`;
    const cause = error?.cause;
    if (typeof cause?.code === 'string')
        return cause.code;
    if (typeof cause?.message === 'string')
        return cause.message;
    return error instanceof Error ? error.message : String(error);
}

// EXTERNAL MODULE: ./node_modules/semver/index.js
var node_modules_semver = __nccwpck_require__(88);
;// CONCATENATED MODULE: ./build/src/core/platforms.js

/** What buildx and QEMU can build here and a Raspberry Pi or a cloud runner can run. */
const knownPlatforms = [
    'linux/amd64',
    'linux/arm64',
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/386',
    'linux/ppc64le',
    'linux/s390x',
    'linux/riscv64',
];
const defaultPlatforms = ['linux/amd64', 'linux/arm64'];
/** Parses `linux/amd64,linux/arm64` (commas or newlines); an unknown platform is bad input. */
function parsePlatforms(text, input = 'platforms') {
    const platforms = text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean);
    if (platforms.length === 0)
        return [...defaultPlatforms];
    for (const platform of platforms) {
        const normalized = platform === 'linux/arm64/v8' ? 'linux/arm64' : platform;
        if (!knownPlatforms.includes(normalized)) {
            throw new InputError(input, platform, `platforms among ${knownPlatforms.join(', ')}`);
        }
    }
    return [...new Set(platforms.map((p) => (p === 'linux/arm64/v8' ? 'linux/arm64' : p)))];
}

;// CONCATENATED MODULE: ./build/src/core/image-settings.js




const cacheModes = ['registry', 'gha', 'none'];
function imageSettings(raw, names) {
    if (!raw.image)
        throw new InputError(names.image, raw.image ?? '', 'an image name such as ghcr.io/owner/synapse');
    const image = parseImageName(raw.image, names.image);
    const version = raw.version?.trim() || '';
    if (version && raw.main)
        throw new InputError(names.main, true, `either ${names.version} or ${names.main}, not both`);
    if (!version && !raw.main)
        throw new InputError(names.version, '', `a release version such as 1.4.0, or ${names.main} for a build of main`);
    // semver.valid takes one optional leading `v`: `1.4.0` and `v1.4.0`, not `vv1.4.0` or `V1.4.0`.
    const valid = version ? node_modules_semver.valid(version) : null;
    if (version && !valid) {
        throw new InputError(names.version, version, 'a semantic version such as 1.4.0 or v1.4.0 (the version action\'s output)');
    }
    const target = valid ? { kind: 'version', version: valid } : { kind: 'main' };
    const cache = (raw.cache?.trim() || 'registry');
    if (!cacheModes.includes(cache))
        throw new InputError(names.cache, raw.cache, `one of ${cacheModes.join(', ')}`);
    return {
        image,
        target,
        platforms: parsePlatforms(raw.platforms ?? '', names.platforms),
        cache,
        buildArgs: keyValues(raw.buildArgs, names.buildArgs),
        labels: keyValues(raw.labels, names.labels),
    };
}
/** A repeated CLI flag gives one pair per entry, so `--label 'd=Hello, world'` keeps its comma. */
function keyValues(raw, input) {
    if (Array.isArray(raw))
        return Object.assign({}, ...raw.map((entry) => parseKeyValues(entry, input, { lines: true })));
    return parseKeyValues(raw ?? '', input);
}
/**
 * `KEY=VALUE` per line: build args, labels, secrets. Without newlines, commas also separate entries
 * (`A=1,B=2`), except for `lines: true`, which is for secrets: their values may hold commas, and a
 * bad entry is named by its line number, never by its text (it may be a secret's value).
 */
function parseKeyValues(text, input, options = {}) {
    const entries = text.includes('\n') || options.lines ? text.split('\n') : text.split(',');
    const values = {};
    for (const [index, raw] of entries.entries()) {
        const entry = raw.trim();
        if (!entry)
            continue;
        const eq = entry.indexOf('=');
        if (eq <= 0) {
            const shown = options.lines ? `line ${index + 1} (its text is not shown: it may hold a secret)` : entry;
            throw new InputError(input, shown, 'KEY=VALUE entries, one per line');
        }
        values[entry.slice(0, eq).trim()] = entry.slice(eq + 1);
    }
    return values;
}

;// CONCATENATED MODULE: ./build/src/core/buildx.js

const cacheTag = 'buildcache';
/**
 * The argv of `docker buildx build` for a request: a pure function, so every flag is tested with
 * tables and the build runs in exactly one place (the docker adapter).
 *
 * A pushed build goes out under its immutable tag only; the moving tags are pointed at its digest
 * afterwards, so a failure part-way never leaves a moving tag on an image with no version tag. (The
 * registry shows a tag only once the whole index is uploaded. buildx's push-by-digest would avoid
 * even that tag, but the docker driver, the one that needs no builder image, does not implement it.)
 */
function buildxBuildArgs(req) {
    const args = ['buildx', 'build', '--platform', req.platforms.join(','), '--metadata-file', req.metadataFile];
    // buildx reads a relative --file from its working directory, not from the context.
    if (req.file)
        args.push('--file', (0,external_node_path_namespaceObject.isAbsolute)(req.file) ? req.file : (0,external_node_path_namespaceObject.join)(req.context, req.file));
    if (req.target)
        args.push('--target', req.target);
    for (const [key, value] of Object.entries(req.buildArgs))
        args.push('--build-arg', `${key}=${value}`);
    for (const secret of req.secrets)
        args.push('--secret', `id=${secret.id},env=${secret.env}`);
    // On the per-platform manifests and on the index, as the OCI image spec reads them. A build for
    // one platform has no index of its own, and BuildKit fails the export ("index annotations not
    // supported for single platform export") when asked for one.
    // One flag per level: buildx before 0.14 (Debian's 0.13 among them) reads `index,manifest:` as
    // part of the key.
    const levels = req.platforms.length > 1 ? ['index', 'manifest'] : ['manifest'];
    for (const [key, value] of Object.entries(req.labels)) {
        args.push('--label', `${key}=${value}`);
        for (const level of levels)
            args.push('--annotation', `${level}:${key}=${value}`);
    }
    args.push(`--provenance=${req.provenance}`, '--sbom=false');
    args.push(...cacheArgs(req.image, req.cache, req.push));
    for (const tag of req.tags)
        args.push('--tag', `${req.image.name}:${tag}`);
    // OCI media types: a Docker manifest list cannot carry the index annotations.
    args.push(req.push ? '--output=type=registry,oci-mediatypes=true' : '--load');
    args.push(req.context);
    return args;
}
function cacheArgs(image, cache, push) {
    switch (cache) {
        case 'none':
            return [];
        case 'gha':
            return ['--cache-from', `type=gha,scope=${image.name}`, ...(push ? ['--cache-to', `type=gha,scope=${image.name},mode=max,ignore-error=true`] : [])];
        case 'registry': {
            const ref = `${image.name}:${cacheTag}`;
            // ignore-error: the docker driver may export the cache after the image; a cache that could
            // not be written must not fail a release whose tag is already out.
            return ['--cache-from', `type=registry,ref=${ref}`, ...(push ? ['--cache-to', `type=registry,ref=${ref},mode=max,ignore-error=true`] : [])];
        }
    }
}
/** `docker buildx imagetools create`: points `tag` at the pushed index, copying nothing. */
function imagetoolsCreateArgs(image, digest, tag) {
    return ['buildx', 'imagetools', 'create', '--tag', `${image.name}:${tag}`, `${image.name}@${digest}`];
}

;// CONCATENATED MODULE: ./build/src/core/image-tags.js



/**
 * The tags of DESIGN.md: on main `latest` and `sha-<7>`; on a version `vX.Y.Z`, plus `vX.Y` and
 * `vX` when asked, never for a prerelease. No hidden defaults: what is pushed is exactly this.
 */
function imageTags(target, options) {
    const prefix = options.tagPrefix ?? 'v';
    if (target.kind === 'main') {
        if (!/^[0-9a-f]{7,40}$/.test(options.sha))
            throw new InputError('sha', options.sha, 'a commit sha of 7 to 40 hex characters');
        return { immutable: [`sha-${options.sha.slice(0, 7)}`], moving: ['latest'], held: [] };
    }
    // semver itself takes one optional leading `v` (and only one: `vv1.2.3` is not a version).
    const version = node_modules_semver.parse(target.version);
    if (!version)
        throw new InputError('version', target.version, 'a semantic version such as 1.4.0 (or v1.4.0)');
    const exact = `${prefix}${version.version}`;
    if (!isValidTag(exact)) {
        throw new InputError('tag-prefix', prefix, 'a prefix that makes a valid image tag (letters, digits, _ . -; no "/"), such as v');
    }
    const stable = version.prerelease.length === 0;
    const moving = [];
    const held = [];
    if (options.floating && stable) {
        const others = (options.released ?? []).map((v) => node_modules_semver.parse(v)).filter((v) => v !== null && v.prerelease.length === 0);
        const lines = [
            [`${prefix}${version.major}.${version.minor}`, (v) => v.major === version.major && v.minor === version.minor],
            [`${prefix}${version.major}`, (v) => v.major === version.major],
        ];
        for (const [tag, sameLine] of lines) {
            const newer = others.filter((v) => sameLine(v) && node_modules_semver.gt(v, version)).sort(node_modules_semver.rcompare)[0];
            if (newer)
                held.push({ tag, reason: `${prefix}${newer.version} is a newer release of its line` });
            else
                moving.push(tag);
        }
    }
    return { immutable: [exact], moving, held };
}

;// CONCATENATED MODULE: ./build/src/flows/image.js







class ImmutableTagError extends Error {
    name = 'ImmutableTagError';
}
/**
 * Builds the image for all platforms and publishes it: under its immutable tag first, then the
 * moving tags; a version tag that exists is never overwritten and `latest` only moves to a
 * descendant of the commit it was built from.
 */
async function publishImage(docker, registry, git, req) {
    await checkBuildInputs(req);
    const tags = imageTags(req.target, { sha: req.sha, tagPrefix: req.tagPrefix, floating: req.floating, released: req.released });
    const version = req.target.kind === 'version' ? tags.immutable[0].slice(req.tagPrefix.length) : `sha-${req.sha.slice(0, 7)}`;
    const labels = ociLabels({ ...req.facts, version, revision: req.sha }, req.extraLabels);
    const outcome = { digest: null, tags: [], refs: [], platforms: req.platforms, pushed: false, existing: false, held: [...tags.held], cacheHits: 0, sizes: [] };
    if (req.push) {
        const existing = await existingImmutableTag(registry, req, tags.immutable[0]);
        if (existing) {
            req.log(`${req.image.name}:${tags.immutable[0]} already exists, built from this commit: nothing to build.`);
            outcome.existing = true;
            outcome.digest = existing;
            outcome.tags.push(tags.immutable[0]);
            await moveTags(docker, registry, git, req, existing, tags.moving, outcome);
            return withSizes(registry, req, withRefs(req.image, outcome));
        }
    }
    const scratch = await (0,promises_namespaceObject.mkdtemp)((0,external_node_path_namespaceObject.join)((0,external_node_os_namespaceObject.tmpdir)(), 'release-flow-build-'));
    try {
        const secretEnv = secretsAsEnv(req.secrets);
        const metadataFile = (0,external_node_path_namespaceObject.join)(scratch, 'metadata.json');
        const args = buildxBuildArgs({
            image: req.image,
            context: req.context,
            file: req.file,
            platforms: req.platforms,
            buildArgs: req.buildArgs,
            target: req.buildTarget,
            secrets: secretEnv.secrets,
            labels,
            cache: req.cache,
            provenance: req.provenance,
            push: req.push,
            tags: req.push ? tags.immutable : [...tags.immutable, ...tags.moving],
            metadataFile,
        });
        req.log(`Building ${req.image.name} for ${req.platforms.join(', ')}`);
        await docker.run([...args.slice(0, 2), '--progress=plain', ...args.slice(2)], {
            env: secretEnv.env,
            onLine: (line) => {
                if (/\bCACHED\b/.test(line))
                    outcome.cacheHits++;
                req.log(line);
            },
        });
        const metadata = JSON.parse(await (0,promises_namespaceObject.readFile)(metadataFile, 'utf8'));
        outcome.digest = typeof metadata['containerimage.digest'] === 'string' ? metadata['containerimage.digest'] : null;
    }
    finally {
        await (0,promises_namespaceObject.rm)(scratch, { recursive: true, force: true });
    }
    if (!req.push) {
        outcome.tags.push(...tags.immutable, ...tags.moving);
        return withRefs(req.image, outcome);
    }
    if (!outcome.digest)
        throw new Error('buildx did not report the digest of the pushed image (containerimage.digest in --metadata-file)');
    // The registry cannot refuse an overwrite, so a run that pushed the same version at the same
    // moment from another commit is caught here, before any moving tag follows the wrong image.
    const landed = await registry.revisionOf(req.image, tags.immutable[0]);
    if (landed?.revision !== req.sha || landed.digest !== outcome.digest) {
        throw new ImmutableTagError(`${req.image.name}:${tags.immutable[0]} was pushed concurrently by another run (it now points at ${landed?.digest ?? 'nothing'}, ` +
            `built from ${landed?.revision?.slice(0, 12) ?? 'an unknown commit'}); release tags are immutable, so no moving tag was moved. Check which build should stand.`);
    }
    // The build pushed the immutable tag; only now may moving tags point at the same digest.
    outcome.tags.push(...tags.immutable);
    outcome.pushed = true;
    req.log(`Pushed ${tags.immutable.map((t) => `${req.image.name}:${t}`).join(', ')} (${outcome.digest})`);
    await moveTags(docker, registry, git, req, outcome.digest, tags.moving, outcome);
    return withSizes(registry, req, withRefs(req.image, outcome));
}
/** Sizes are for the summary only: a registry that will not tell does not fail a published image. */
async function withSizes(registry, req, outcome) {
    if (!outcome.digest)
        return outcome;
    try {
        outcome.sizes = await registry.platformsOf(req.image, outcome.digest);
    }
    catch (error) {
        req.log(`Could not read the platform sizes: ${error instanceof Error ? error.message : String(error)}`);
    }
    return outcome;
}
async function checkBuildInputs(req) {
    const names = req.names ?? { context: 'context', file: 'file' };
    const context = (0,external_node_path_namespaceObject.resolve)(req.context);
    if (!(await (0,promises_namespaceObject.stat)(context).then((s) => s.isDirectory(), () => false))) {
        throw new InputError(names.context, req.context, 'an existing directory to build from');
    }
    const file = (0,external_node_path_namespaceObject.resolve)(context, req.file ?? 'Dockerfile');
    if (!(await (0,promises_namespaceObject.stat)(file).then((s) => s.isFile(), () => false))) {
        throw new InputError(names.file, req.file ?? 'Dockerfile', `an existing Dockerfile (${file} does not exist)`);
    }
}
/** The digest of the immutable tag when it exists from this commit; an error when from another. */
async function existingImmutableTag(registry, req, tag) {
    const found = await registry.revisionOf(req.image, tag);
    if (!found)
        return null;
    if (found.revision === req.sha)
        return found.digest;
    throw new ImmutableTagError(`${req.image.name}:${tag} already exists, built from ${found.revision ? `commit ${found.revision.slice(0, 12)}` : 'an unknown commit'}, not ${req.sha.slice(0, 12)}. ` +
        'Release tags are immutable: nothing was pushed. Release a new version instead.');
}
/** `latest` moves only to a descendant of what it points at; floating tags were chosen by the core rules. */
async function moveTags(docker, registry, git, req, digest, moving, outcome) {
    for (const tag of moving) {
        if (tag === 'latest') {
            const reason = await latestHeldBack(registry, git, req);
            if (reason) {
                req.log(`latest left where it is: ${reason}`);
                outcome.held.push({ tag, reason });
                continue;
            }
        }
        await docker.run(imagetoolsCreateArgs(req.image, digest, tag));
        req.log(`Moved ${req.image.name}:${tag}`);
        outcome.tags.push(tag);
    }
}
async function latestHeldBack(registry, git, req) {
    const current = await registry.revisionOf(req.image, 'latest');
    if (!current || current.revision === null || current.revision === req.sha)
        return null;
    // The label is whatever the registry says; only a commit id may reach git.
    const known = /^[0-9a-f]{7,64}$/.test(current.revision) ? await git.resolveCommit(current.revision) : null;
    if (known && (await git.isAncestor(current.revision, req.sha)))
        return null;
    return known
        ? `it was built from ${current.revision.slice(0, 12)}, which ${req.sha.slice(0, 12)} does not contain (a newer build finished first)`
        : `it was built from ${current.revision.slice(0, 12)}, a commit this clone does not have`;
}
function secretsAsEnv(secrets) {
    const env = {};
    const list = Object.entries(secrets).map(([id, value], index) => {
        const name = `RELEASE_FLOW_BUILD_SECRET_${index}`;
        env[name] = value;
        return { id, env: name };
    });
    return { secrets: list, env };
}
function withRefs(image, outcome) {
    outcome.refs = outcome.digest ? outcome.tags.map((tag) => `${image.name}:${tag}@${outcome.digest}`) : [];
    return outcome;
}

;// CONCATENATED MODULE: ./build/src/core/tags.js

/** `<prefix><semver>` exactly: `v1.2.3` with prefix `v`; not `v01.2.3`, `1.2.3` or `vv1.2.3`. */
function parseVersionTag(tag, prefix) {
    if (!tag.startsWith(prefix))
        return null;
    const rest = tag.slice(prefix.length);
    // semver.parse also accepts a leading "v" and surrounding whitespace, even when not loose: that
    // would take "vv1.2.3" as a "v" tag and "v1.2.3" as a tag of the empty prefix.
    if (!/^[0-9]\S*$/.test(rest))
        return null;
    const version = node_modules_semver.parse(rest, { loose: false });
    return version ? { tag, version } : null;
}
/** The highest version tag by semver order; prerelease tags only when asked for. */
function highestVersionTag(tags, prefix, options = {}) {
    let best = null;
    for (const tag of tags) {
        const parsed = parseVersionTag(tag, prefix);
        if (!parsed)
            continue;
        if (parsed.version.prerelease.length > 0 && !options.includePrerelease)
            continue;
        if (!best || node_modules_semver.gt(parsed.version, best.version))
            best = parsed;
    }
    return best;
}
/** The numbers N of existing `<prefix><base>-<id>.N` tags. */
function prereleaseNumbers(tags, prefix, base, id) {
    const numbers = [];
    for (const tag of tags) {
        const parsed = parseVersionTag(tag, prefix);
        if (!parsed || `${parsed.version.major}.${parsed.version.minor}.${parsed.version.patch}` !== base)
            continue;
        const [name, n] = parsed.version.prerelease;
        if (name === id && typeof n === 'number')
            numbers.push(n);
    }
    return numbers;
}

;// CONCATENATED MODULE: ./build/src/core/bump.js

const rank = { none: 0, patch: 1, minor: 2, major: 3 };
function compareBumps(a, b) {
    return rank[a] - rank[b];
}
function maxBump(a, b) {
    return compareBumps(a, b) >= 0 ? a : b;
}
const defaultReleaseRules = [
    { type: 'feat', bump: 'minor' },
    { type: 'fix', bump: 'patch' },
    { type: 'perf', bump: 'patch' },
];
const ruleEntry = /^([\w-]+)(?:\(([^()]+)\))?=(major|minor|patch|none)$/i;
/**
 * Parses `build(deps)=patch, docs=none` (commas or newlines between entries). User rules come before
 * the defaults, so they override them; within one list a rule with a scope wins over one without.
 */
function parseReleaseRules(text, input = 'release-rules') {
    const rules = [];
    for (const entry of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
        const m = ruleEntry.exec(entry.replace(/\s+/g, ''));
        if (!m)
            throw new InputError(input, entry, 'entries like "type=bump" or "type(scope)=bump" with bump major, minor, patch or none, e.g. "build(deps)=patch, docs=none"');
        const [, type, scope, bump] = m;
        rules.push({ type: type.toLowerCase(), ...(scope ? { scope } : {}), bump: bump.toLowerCase() });
    }
    return rules;
}
/**
 * Compiles rules into the bump a single commit asks for. Breaking changes are always major, whatever
 * the rules say. Compiled once because it runs for every commit of a long history.
 */
function commitBumper(rules) {
    const byType = new Map();
    const byScope = new Map();
    // Reversed so that earlier rules (the user's) overwrite later ones (the defaults).
    for (const rule of [...rules, ...defaultReleaseRules].reverse()) {
        if (rule.scope === undefined)
            byType.set(rule.type, rule.bump);
        else
            byScope.set(`${rule.type}(${rule.scope})`, rule.bump);
    }
    return (commit) => {
        if (commit.type === null)
            return 'none';
        if (commit.breaking)
            return 'major';
        if (commit.scope !== null && byScope.size > 0) {
            const scoped = byScope.get(`${commit.type}(${commit.scope})`);
            if (scoped)
                return scoped;
        }
        return byType.get(commit.type) ?? 'none';
    };
}

;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/regex.js
const nomatchRegex = /(?!.*)/;
function regex_escape(string) {
    return string.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function joinOr(parts) {
    return parts
        .map(val => (typeof val === 'string' ? regex_escape(val.trim()) : val.source))
        .filter(Boolean)
        .join('|');
}
function getNotesRegex(noteKeywords, notesPattern) {
    if (!noteKeywords) {
        return nomatchRegex;
    }
    const noteKeywordsSelection = joinOr(noteKeywords);
    if (!notesPattern) {
        return new RegExp(`^(?:\\*\\s+)?(${noteKeywordsSelection}):\\s*(.*)`, 'i');
    }
    return notesPattern(noteKeywordsSelection);
}
function getReferencePartsRegex(issuePrefixes, issuePrefixesCaseSensitive) {
    if (!issuePrefixes) {
        return nomatchRegex;
    }
    // Sticky, so a search starts where the last reference ended and `.*?` takes the text
    // up to the next one: a line is scanned once, not again from every position.
    const flags = issuePrefixesCaseSensitive ? 'gy' : 'giy';
    const repositoryChar = '[\\w-\\.\\/]';
    // A reference starts a word, and its repository is the whole word before the prefix,
    // so `gh-` is not a prefix inside of `tough-cookie` or `high-5`.
    // An issue has a digit, so `#general` is not a reference.
    return new RegExp(`.*?(?<!${repositoryChar})(?:(${repositoryChar}+)(?!${repositoryChar}))?(${joinOr(issuePrefixes)})((?=[\\w-]*\\d)[\\w-]+)(?=\\s|$|[,;.)\\]])`, flags);
}
function getReferencesRegex(referenceActions, separator = '') {
    if (!referenceActions) {
        // matches everything
        return /()(.+)/gi;
    }
    const joinedKeywords = joinOr(referenceActions);
    // Keywords are whole words: `prefix #1` has no `fix` action,
    // and `fixups` does not end the references of the previous keyword.
    const nextKeyword = `(?<!\\w)(?:${joinedKeywords})(?!\\w)`;
    return new RegExp(`(?<!\\w)(${joinedKeywords})${separator}(?:\\s+(.*?))(?=${nextKeyword}|$)`, 'gi');
}
function getFooterTokenRegex(issuePrefixes) {
    const issuePrefixSeparator = issuePrefixes
        ? `|\\s+(?:${joinOr(issuePrefixes)})`
        : '';
    // Footers follow the git trailer convention: the token starts at the
    // beginning of the line, indented `key: value` lines are not footers.
    return new RegExp(`^(?:BREAKING CHANGE|[\\w-]+)(?::\\s+${issuePrefixSeparator}).+`, 'i');
}
/**
 * Make the regexes used to parse a commit.
 * @param options
 * @returns Regexes.
 */
function getParserRegexes(options = {}) {
    const notes = getNotesRegex(options.noteKeywords, options.notesPattern);
    const referenceParts = getReferencePartsRegex(options.issuePrefixes, options.issuePrefixesCaseSensitive);
    const references = getReferencesRegex(options.referenceActions);
    // In a footer the keyword is a token, which may be followed by a colon: `Closes: #1`
    const footerReferences = getReferencesRegex(options.referenceActions, ':?');
    const footerToken = getFooterTokenRegex(options.issuePrefixes);
    return {
        notes,
        referenceParts,
        references,
        footerReferences,
        footerToken,
        mentions: /@([\w-]+)/g,
        url: /\b(?:https?):\/\/(?:www\.)?([-a-zA-Z0-9@:%_+.~#?&//=])+\b/
    };
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoicmVnZXguanMiLCJzb3VyY2VSb290IjoiIiwic291cmNlcyI6WyIuLi9zcmMvcmVnZXgudHMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBS0EsTUFBTSxZQUFZLEdBQUcsUUFBUSxDQUFBO0FBRTdCLFNBQVMsTUFBTSxDQUFDLE1BQWM7SUFDNUIsT0FBTyxNQUFNLENBQUMsT0FBTyxDQUFDLHFCQUFxQixFQUFFLE1BQU0sQ0FBQyxDQUFBO0FBQ3RELENBQUM7QUFFRCxTQUFTLE1BQU0sQ0FBQyxLQUEwQjtJQUN4QyxPQUFPLEtBQUs7U0FDVCxHQUFHLENBQUMsR0FBRyxDQUFDLEVBQUUsQ0FBQyxDQUFDLE9BQU8sR0FBRyxLQUFLLFFBQVEsQ0FBQyxDQUFDLENBQUMsTUFBTSxDQUFDLEdBQUcsQ0FBQyxJQUFJLEVBQUUsQ0FBQyxDQUFDLENBQUMsQ0FBQyxHQUFHLENBQUMsTUFBTSxDQUFDLENBQUM7U0FDdkUsTUFBTSxDQUFDLE9BQU8sQ0FBQztTQUNmLElBQUksQ0FBQyxHQUFHLENBQUMsQ0FBQTtBQUNkLENBQUM7QUFFRCxTQUFTLGFBQWEsQ0FDcEIsWUFBNkMsRUFDN0MsWUFBb0Q7SUFFcEQsSUFBSSxDQUFDLFlBQVksRUFBRSxDQUFDO1FBQ2xCLE9BQU8sWUFBWSxDQUFBO0lBQ3JCLENBQUM7SUFFRCxNQUFNLHFCQUFxQixHQUFHLE1BQU0sQ0FBQyxZQUFZLENBQUMsQ0FBQTtJQUVsRCxJQUFJLENBQUMsWUFBWSxFQUFFLENBQUM7UUFDbEIsT0FBTyxJQUFJLE1BQU0sQ0FBQyxpQkFBaUIscUJBQXFCLFlBQVksRUFBRSxHQUFHLENBQUMsQ0FBQTtJQUM1RSxDQUFDO0lBRUQsT0FBTyxZQUFZLENBQUMscUJBQXFCLENBQUMsQ0FBQTtBQUM1QyxDQUFDO0FBRUQsU0FBUyxzQkFBc0IsQ0FDN0IsYUFBOEMsRUFDOUMsMEJBQStDO0lBRS9DLElBQUksQ0FBQyxhQUFhLEVBQUUsQ0FBQztRQUNuQixPQUFPLFlBQVksQ0FBQTtJQUNyQixDQUFDO0lBRUQscUZBQXFGO0lBQ3JGLDZFQUE2RTtJQUM3RSxNQUFNLEtBQUssR0FBRywwQkFBMEIsQ0FBQyxDQUFDLENBQUMsSUFBSSxDQUFDLENBQUMsQ0FBQyxLQUFLLENBQUE7SUFDdkQsTUFBTSxjQUFjLEdBQUcsY0FBYyxDQUFBO0lBRXJDLHFGQUFxRjtJQUNyRixpRUFBaUU7SUFDakUsMERBQTBEO0lBQzFELE9BQU8sSUFBSSxNQUFNLENBQUMsVUFBVSxjQUFjLFFBQVEsY0FBYyxRQUFRLGNBQWMsT0FBTyxNQUFNLENBQUMsYUFBYSxDQUFDLDZDQUE2QyxFQUFFLEtBQUssQ0FBQyxDQUFBO0FBQ3pLLENBQUM7QUFFRCxTQUFTLGtCQUFrQixDQUN6QixnQkFBaUQsRUFDakQsU0FBUyxHQUFHLEVBQUU7SUFFZCxJQUFJLENBQUMsZ0JBQWdCLEVBQUUsQ0FBQztRQUN0QixxQkFBcUI7UUFDckIsT0FBTyxVQUFVLENBQUE7SUFDbkIsQ0FBQztJQUVELE1BQU0sY0FBYyxHQUFHLE1BQU0sQ0FBQyxnQkFBZ0IsQ0FBQyxDQUFBO0lBQy9DLDZEQUE2RDtJQUM3RCxvRUFBb0U7SUFDcEUsTUFBTSxXQUFXLEdBQUcsY0FBYyxjQUFjLFVBQVUsQ0FBQTtJQUUxRCxPQUFPLElBQUksTUFBTSxDQUFDLFlBQVksY0FBYyxJQUFJLFNBQVMsbUJBQW1CLFdBQVcsS0FBSyxFQUFFLElBQUksQ0FBQyxDQUFBO0FBQ3JHLENBQUM7QUFFRCxTQUFTLG1CQUFtQixDQUMxQixhQUE4QztJQUU5QyxNQUFNLG9CQUFvQixHQUFHLGFBQWE7UUFDeEMsQ0FBQyxDQUFDLFdBQVcsTUFBTSxDQUFDLGFBQWEsQ0FBQyxHQUFHO1FBQ3JDLENBQUMsQ0FBQyxFQUFFLENBQUE7SUFFTixxRUFBcUU7SUFDckUsc0VBQXNFO0lBQ3RFLE9BQU8sSUFBSSxNQUFNLENBQUMsdUNBQXVDLG9CQUFvQixLQUFLLEVBQUUsR0FBRyxDQUFDLENBQUE7QUFDMUYsQ0FBQztBQUVEOzs7O0dBSUc7QUFDSCxNQUFNLFVBQVUsZ0JBQWdCLENBQzlCLE9BQU8sR0FBK0gsRUFBRTtJQUV4SSxNQUFNLEtBQUssR0FBRyxhQUFhLENBQUMsT0FBTyxDQUFDLFlBQVksRUFBRSxPQUFPLENBQUMsWUFBWSxDQUFDLENBQUE7SUFDdkUsTUFBTSxjQUFjLEdBQUcsc0JBQXNCLENBQUMsT0FBTyxDQUFDLGFBQWEsRUFBRSxPQUFPLENBQUMsMEJBQTBCLENBQUMsQ0FBQTtJQUN4RyxNQUFNLFVBQVUsR0FBRyxrQkFBa0IsQ0FBQyxPQUFPLENBQUMsZ0JBQWdCLENBQUMsQ0FBQTtJQUMvRCxxRkFBcUY7SUFDckYsTUFBTSxnQkFBZ0IsR0FBRyxrQkFBa0IsQ0FBQyxPQUFPLENBQUMsZ0JBQWdCLEVBQUUsSUFBSSxDQUFDLENBQUE7SUFDM0UsTUFBTSxXQUFXLEdBQUcsbUJBQW1CLENBQUMsT0FBTyxDQUFDLGFBQWEsQ0FBQyxDQUFBO0lBRTlELE9BQU87UUFDTCxLQUFLO1FBQ0wsY0FBYztRQUNkLFVBQVU7UUFDVixnQkFBZ0I7UUFDaEIsV0FBVztRQUNYLFFBQVEsRUFBRSxZQUFZO1FBQ3RCLEdBQUcsRUFBRSwyREFBMkQ7S0FDakUsQ0FBQTtBQUNILENBQUMifQ==
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/utils.js
const SCISSOR = '------------------------ >8 ------------------------';
/**
 * Remove leading and trailing newlines.
 * @param input
 * @returns String without leading and trailing newlines.
 */
function trimNewLines(input) {
    // To escape ReDos we should escape String#replace with regex.
    const matches = input.match(/[^\r\n]/);
    if (typeof matches?.index !== 'number') {
        return '';
    }
    const firstIndex = matches.index;
    let lastIndex = input.length - 1;
    while (input[lastIndex] === '\r' || input[lastIndex] === '\n') {
        lastIndex--;
    }
    return input.substring(firstIndex, lastIndex + 1);
}
/**
 * Append a newline to a string.
 * @param src
 * @param line
 * @returns String with appended newline.
 */
function appendLine(src, line) {
    return src ? `${src}\n${line || ''}` : line || '';
}
/**
 * Creates a function that filters out comments lines.
 * @param char
 * @returns Comment filter function.
 */
function getCommentFilter(char) {
    return char
        ? (line) => !line.startsWith(char)
        : () => true;
}
/**
 * Select lines before the scissor.
 * @param lines
 * @param commentChar
 * @returns Lines before the scissor.
 */
function truncateToScissor(lines, commentChar) {
    const scissorIndex = lines.indexOf(`${commentChar} ${SCISSOR}`);
    if (scissorIndex === -1) {
        return lines;
    }
    return lines.slice(0, scissorIndex);
}
/**
 * Filter out GPG sign lines.
 * @param line
 * @returns True if the line is not a GPG sign line.
 */
function gpgFilter(line) {
    return !line.match(/^\s*gpg:/);
}
/**
 * Assign matched correspondence to the target object.
 * @param target - The target object to assign values to.
 * @param matches - The RegExp match array containing the matched groups.
 * @param correspondence - An array of keys that correspond to the matched groups.
 * @returns The target object with assigned values.
 */
function assignMatchedCorrespondence(target, matches, correspondence) {
    const { groups } = matches;
    for (let i = 0, len = correspondence.length, key; i < len; i++) {
        key = correspondence[i];
        target[key] = (groups ? groups[key] : matches[i + 1]) || null;
    }
    return target;
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoidXRpbHMuanMiLCJzb3VyY2VSb290IjoiIiwic291cmNlcyI6WyIuLi9zcmMvdXRpbHMudHMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBQUEsTUFBTSxPQUFPLEdBQUcsc0RBQXNELENBQUE7QUFFdEU7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxZQUFZLENBQUMsS0FBYTtJQUN4Qyw4REFBOEQ7SUFFOUQsTUFBTSxPQUFPLEdBQUcsS0FBSyxDQUFDLEtBQUssQ0FBQyxTQUFTLENBQUMsQ0FBQTtJQUV0QyxJQUFJLE9BQU8sT0FBTyxFQUFFLEtBQUssS0FBSyxRQUFRLEVBQUUsQ0FBQztRQUN2QyxPQUFPLEVBQUUsQ0FBQTtJQUNYLENBQUM7SUFFRCxNQUFNLFVBQVUsR0FBRyxPQUFPLENBQUMsS0FBSyxDQUFBO0lBQ2hDLElBQUksU0FBUyxHQUFHLEtBQUssQ0FBQyxNQUFNLEdBQUcsQ0FBQyxDQUFBO0lBRWhDLE9BQU8sS0FBSyxDQUFDLFNBQVMsQ0FBQyxLQUFLLElBQUksSUFBSSxLQUFLLENBQUMsU0FBUyxDQUFDLEtBQUssSUFBSSxFQUFFLENBQUM7UUFDOUQsU0FBUyxFQUFFLENBQUE7SUFDYixDQUFDO0lBRUQsT0FBTyxLQUFLLENBQUMsU0FBUyxDQUFDLFVBQVUsRUFBRSxTQUFTLEdBQUcsQ0FBQyxDQUFDLENBQUE7QUFDbkQsQ0FBQztBQUVEOzs7OztHQUtHO0FBQ0gsTUFBTSxVQUFVLFVBQVUsQ0FBQyxHQUFrQixFQUFFLElBQXdCO0lBQ3JFLE9BQU8sR0FBRyxDQUFDLENBQUMsQ0FBQyxHQUFHLEdBQUcsS0FBSyxJQUFJLElBQUksRUFBRSxFQUFFLENBQUMsQ0FBQyxDQUFDLElBQUksSUFBSSxFQUFFLENBQUE7QUFDbkQsQ0FBQztBQUVEOzs7O0dBSUc7QUFDSCxNQUFNLFVBQVUsZ0JBQWdCLENBQUMsSUFBd0I7SUFDdkQsT0FBTyxJQUFJO1FBQ1QsQ0FBQyxDQUFDLENBQUMsSUFBWSxFQUFFLEVBQUUsQ0FBQyxDQUFDLElBQUksQ0FBQyxVQUFVLENBQUMsSUFBSSxDQUFDO1FBQzFDLENBQUMsQ0FBQyxHQUFHLEVBQUUsQ0FBQyxJQUFJLENBQUE7QUFDaEIsQ0FBQztBQUVEOzs7OztHQUtHO0FBQ0gsTUFBTSxVQUFVLGlCQUFpQixDQUMvQixLQUFlLEVBQ2YsV0FBbUI7SUFFbkIsTUFBTSxZQUFZLEdBQUcsS0FBSyxDQUFDLE9BQU8sQ0FBQyxHQUFHLFdBQVcsSUFBSSxPQUFPLEVBQUUsQ0FBQyxDQUFBO0lBRS9ELElBQUksWUFBWSxLQUFLLENBQUMsQ0FBQyxFQUFFLENBQUM7UUFDeEIsT0FBTyxLQUFLLENBQUE7SUFDZCxDQUFDO0lBRUQsT0FBTyxLQUFLLENBQUMsS0FBSyxDQUFDLENBQUMsRUFBRSxZQUFZLENBQUMsQ0FBQTtBQUNyQyxDQUFDO0FBRUQ7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxTQUFTLENBQUMsSUFBWTtJQUNwQyxPQUFPLENBQUMsSUFBSSxDQUFDLEtBQUssQ0FBQyxVQUFVLENBQUMsQ0FBQTtBQUNoQyxDQUFDO0FBRUQ7Ozs7OztHQU1HO0FBQ0gsTUFBTSxVQUFVLDJCQUEyQixDQUN6QyxNQUFxQyxFQUNyQyxPQUF5QixFQUN6QixjQUF3QjtJQUV4QixNQUFNLEVBQUUsTUFBTSxFQUFFLEdBQUcsT0FBTyxDQUFBO0lBRTFCLEtBQUssSUFBSSxDQUFDLEdBQUcsQ0FBQyxFQUFFLEdBQUcsR0FBRyxjQUFjLENBQUMsTUFBTSxFQUFFLEdBQUcsRUFBRSxDQUFDLEdBQUcsR0FBRyxFQUFFLENBQUMsRUFBRSxFQUFFLENBQUM7UUFDL0QsR0FBRyxHQUFHLGNBQWMsQ0FBQyxDQUFDLENBQUMsQ0FBQTtRQUN2QixNQUFNLENBQUMsR0FBRyxDQUFDLEdBQUcsQ0FBQyxNQUFNLENBQUMsQ0FBQyxDQUFDLE1BQU0sQ0FBQyxHQUFHLENBQUMsQ0FBQyxDQUFDLENBQUMsT0FBTyxDQUFDLENBQUMsR0FBRyxDQUFDLENBQUMsQ0FBQyxJQUFJLElBQUksQ0FBQTtJQUMvRCxDQUFDO0lBRUQsT0FBTyxNQUFNLENBQUE7QUFDZixDQUFDIn0=
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/options.js
const defaultOptions = {
    noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
    issuePrefixes: ['#'],
    referenceActions: [
        'close',
        'closes',
        'closed',
        'fix',
        'fixes',
        'fixed',
        'resolve',
        'resolves',
        'resolved'
    ],
    headerPattern: /^(\w*)(?:\(([\w$@.\-*/ ]*)\))?: (.*)$/,
    headerCorrespondence: [
        'type',
        'scope',
        'subject'
    ],
    revertPattern: /^Revert\s"([\s\S]*)"\s*This reverts commit (\w*)\.?/,
    revertCorrespondence: ['header', 'hash'],
    // The field name must contain at least one word character so that
    // YAML document markers like `---` are not treated as field markers.
    fieldPattern: /^-(?=.*\w)(.*?)-$/
};
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoib3B0aW9ucy5qcyIsInNvdXJjZVJvb3QiOiIiLCJzb3VyY2VzIjpbIi4uL3NyYy9vcHRpb25zLnRzIl0sIm5hbWVzIjpbXSwibWFwcGluZ3MiOiJBQUVBLE1BQU0sQ0FBQyxNQUFNLGNBQWMsR0FBa0I7SUFDM0MsWUFBWSxFQUFFLENBQUMsaUJBQWlCLEVBQUUsaUJBQWlCLENBQUM7SUFDcEQsYUFBYSxFQUFFLENBQUMsR0FBRyxDQUFDO0lBQ3BCLGdCQUFnQixFQUFFO1FBQ2hCLE9BQU87UUFDUCxRQUFRO1FBQ1IsUUFBUTtRQUNSLEtBQUs7UUFDTCxPQUFPO1FBQ1AsT0FBTztRQUNQLFNBQVM7UUFDVCxVQUFVO1FBQ1YsVUFBVTtLQUNYO0lBQ0QsYUFBYSxFQUFFLHVDQUF1QztJQUN0RCxvQkFBb0IsRUFBRTtRQUNwQixNQUFNO1FBQ04sT0FBTztRQUNQLFNBQVM7S0FDVjtJQUNELGFBQWEsRUFBRSxxREFBcUQ7SUFDcEUsb0JBQW9CLEVBQUUsQ0FBQyxRQUFRLEVBQUUsTUFBTSxDQUFDO0lBQ3hDLGtFQUFrRTtJQUNsRSxxRUFBcUU7SUFDckUsWUFBWSxFQUFFLG1CQUFtQjtDQUNsQyxDQUFBIn0=
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/CommitParser.js



/**
 * Helper to create commit object.
 * @param initialData - Initial commit data.
 * @returns Commit object with empty data.
 */
function createCommitObject(initialData = {}) {
    // @ts-expect-error: You can read properties from `Commit` without problems, but you can't assign object to this type. So here is helper for that.
    return {
        merge: null,
        revert: null,
        header: null,
        body: null,
        footer: null,
        notes: [],
        mentions: [],
        references: [],
        ...initialData
    };
}
/**
 * Commit message parser.
 */
class CommitParser_CommitParser {
    options;
    regexes;
    lines = [];
    lineIndex = 0;
    commit = createCommitObject();
    constructor(options = {}) {
        this.options = {
            ...defaultOptions,
            ...options
        };
        this.regexes = getParserRegexes(this.options);
    }
    currentLine() {
        return this.lines[this.lineIndex];
    }
    nextLine() {
        return this.lines[this.lineIndex++];
    }
    isLineAvailable() {
        return this.lineIndex < this.lines.length;
    }
    parseReference(input, action) {
        const { regexes } = this;
        if (regexes.url.test(input)) {
            return null;
        }
        const matches = regexes.referenceParts.exec(input);
        if (!matches) {
            return null;
        }
        let [raw, repository = null, prefix, issue] = matches;
        let owner = null;
        if (repository) {
            const slashIndex = repository.indexOf('/');
            if (slashIndex !== -1) {
                owner = repository.slice(0, slashIndex);
                repository = repository.slice(slashIndex + 1);
            }
        }
        return {
            raw,
            action,
            owner,
            repository,
            prefix,
            issue
        };
    }
    parseReferences(input, isFooterToken = false) {
        const { regexes } = this;
        const regex = isFooterToken
            ? regexes.footerReferences
            : regexes.references;
        // Text outside of action sentences, like `#1` in `#1 Fixes #2`,
        // may also have references, but without an action
        const sentences = [];
        let lastIndex = 0;
        let matches;
        while (true) {
            matches = regex.exec(input);
            if (!matches) {
                break;
            }
            sentences.push([null, input.slice(lastIndex, matches.index)], [matches[1] || null, matches[2] || '']);
            lastIndex = regex.lastIndex;
        }
        sentences.push([null, input.slice(lastIndex)]);
        const references = [];
        let reference;
        for (const [action, sentence] of sentences) {
            while (true) {
                reference = this.parseReference(sentence, action);
                if (!reference) {
                    break;
                }
                references.push(reference);
            }
        }
        return references;
    }
    skipEmptyLines() {
        let line = this.currentLine();
        while (line !== undefined && !line.trim()) {
            this.nextLine();
            line = this.currentLine();
        }
    }
    parseMerge() {
        const { commit, options } = this;
        const correspondence = options.mergeCorrespondence || [];
        const merge = this.currentLine();
        const matches = merge && options.mergePattern
            ? merge.match(options.mergePattern)
            : null;
        if (matches) {
            this.nextLine();
            commit.merge = matches[0] || null;
            assignMatchedCorrespondence(commit, matches, correspondence);
            return true;
        }
        return false;
    }
    parseHeader(isMergeCommit) {
        if (isMergeCommit) {
            this.skipEmptyLines();
        }
        const { commit, options } = this;
        const correspondence = options.headerCorrespondence || [];
        const header = commit.header ?? this.nextLine();
        let matches = null;
        if (header) {
            if (options.breakingHeaderPattern) {
                matches = header.match(options.breakingHeaderPattern);
            }
            if (!matches && options.headerPattern) {
                matches = header.match(options.headerPattern);
            }
        }
        if (header) {
            commit.header = header;
        }
        if (matches) {
            assignMatchedCorrespondence(commit, matches, correspondence);
        }
    }
    parseMeta() {
        const { options, commit } = this;
        if (!options.fieldPattern || !this.isLineAvailable()) {
            return false;
        }
        let matches;
        let field = null;
        let parsed = false;
        while (this.isLineAvailable()) {
            matches = this.currentLine().match(options.fieldPattern);
            if (matches) {
                field = matches[1] || null;
                this.nextLine();
                continue;
            }
            if (field) {
                parsed = true;
                commit[field] = appendLine(commit[field], this.currentLine());
                this.nextLine();
            }
            else {
                break;
            }
        }
        return parsed;
    }
    parseNotes() {
        const { regexes, commit } = this;
        if (!this.isLineAvailable()) {
            return false;
        }
        const matches = this.currentLine().match(regexes.notes);
        let isFooterToken;
        if (matches) {
            const note = {
                title: matches[1],
                text: matches[2]
            };
            commit.notes.push(note);
            commit.footer = appendLine(commit.footer, this.currentLine());
            this.nextLine();
            while (this.isLineAvailable()) {
                if (this.parseMeta()) {
                    return true;
                }
                if (this.parseNotes()) {
                    return true;
                }
                isFooterToken = regexes.footerToken.test(this.currentLine());
                commit.references.push(...this.parseReferences(this.currentLine(), isFooterToken));
                if (!isFooterToken) {
                    note.text = appendLine(note.text, this.currentLine());
                }
                commit.footer = appendLine(commit.footer, this.currentLine());
                this.nextLine();
                if (isFooterToken) {
                    break;
                }
            }
            return true;
        }
        return false;
    }
    parseBodyAndFooter(isBody) {
        const { commit, regexes } = this;
        if (!this.isLineAvailable()) {
            return isBody;
        }
        const isFooterToken = regexes.footerToken.test(this.currentLine());
        const isStillBody = !isFooterToken && isBody;
        commit.references.push(...this.parseReferences(this.currentLine(), isFooterToken));
        if (isStillBody) {
            commit.body = appendLine(commit.body, this.currentLine());
        }
        else {
            commit.footer = appendLine(commit.footer, this.currentLine());
        }
        this.nextLine();
        return isStillBody;
    }
    parseBreakingHeader() {
        const { commit, options } = this;
        if (!options.breakingHeaderPattern || commit.notes.length || !commit.header) {
            return;
        }
        const matches = commit.header.match(options.breakingHeaderPattern);
        if (matches) {
            commit.notes.push({
                title: 'BREAKING CHANGE',
                text: matches[3]
            });
        }
    }
    parseMentions(input) {
        const { commit, regexes } = this;
        let matches;
        for (;;) {
            matches = regexes.mentions.exec(input);
            if (!matches) {
                break;
            }
            commit.mentions.push(matches[1]);
        }
    }
    parseRevert(input) {
        const { commit, options } = this;
        const correspondence = options.revertCorrespondence || [];
        const matches = options.revertPattern
            ? input.match(options.revertPattern)
            : null;
        if (matches) {
            commit.revert = assignMatchedCorrespondence({}, matches, correspondence);
        }
    }
    cleanupCommit() {
        const { commit } = this;
        commit.body &&= trimNewLines(commit.body);
        commit.footer &&= trimNewLines(commit.footer);
        commit.notes.forEach((note) => {
            note.text = trimNewLines(note.text);
        });
        const referencesSet = new Set();
        commit.references = commit.references.filter((reference) => {
            const uid = `${reference.action} ${reference.raw}`.toLocaleLowerCase();
            const ok = !referencesSet.has(uid);
            if (ok) {
                referencesSet.add(uid);
            }
            return ok;
        });
    }
    /**
     * Parse commit message string into an object.
     * @param input - Commit message string.
     * @returns Commit object.
     */
    parse(input) {
        if (!input.trim()) {
            throw new TypeError('Expected a raw commit');
        }
        const { commentChar } = this.options;
        const commentFilter = getCommentFilter(commentChar);
        const rawLines = trimNewLines(input).split(/\r?\n/);
        const lines = commentChar
            ? truncateToScissor(rawLines, commentChar).filter(line => commentFilter(line) && gpgFilter(line))
            : rawLines.filter(line => gpgFilter(line));
        const commit = createCommitObject();
        this.lines = lines;
        this.lineIndex = 0;
        this.commit = commit;
        const isMergeCommit = this.parseMerge();
        this.parseHeader(isMergeCommit);
        if (commit.header) {
            commit.references = this.parseReferences(commit.header);
        }
        let isBody = true;
        while (this.isLineAvailable()) {
            this.parseMeta();
            if (this.parseNotes()) {
                isBody = false;
            }
            if (!this.parseBodyAndFooter(isBody)) {
                isBody = false;
            }
        }
        this.parseBreakingHeader();
        this.parseMentions(input);
        this.parseRevert(input);
        this.cleanupCommit();
        return commit;
    }
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoiQ29tbWl0UGFyc2VyLmpzIiwic291cmNlUm9vdCI6IiIsInNvdXJjZXMiOlsiLi4vc3JjL0NvbW1pdFBhcnNlci50cyJdLCJuYW1lcyI6W10sIm1hcHBpbmdzIjoiQUFPQSxPQUFPLEVBQUUsZ0JBQWdCLEVBQUUsTUFBTSxZQUFZLENBQUE7QUFDN0MsT0FBTyxFQUNMLFlBQVksRUFDWixVQUFVLEVBQ1YsZ0JBQWdCLEVBQ2hCLFNBQVMsRUFDVCxpQkFBaUIsRUFDakIsMkJBQTJCLEVBQzVCLE1BQU0sWUFBWSxDQUFBO0FBQ25CLE9BQU8sRUFBRSxjQUFjLEVBQUUsTUFBTSxjQUFjLENBQUE7QUFFN0M7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxrQkFBa0IsQ0FBQyxXQUFXLEdBQW9CLEVBQUU7SUFDbEUsa0pBQWtKO0lBQ2xKLE9BQU87UUFDTCxLQUFLLEVBQUUsSUFBSTtRQUNYLE1BQU0sRUFBRSxJQUFJO1FBQ1osTUFBTSxFQUFFLElBQUk7UUFDWixJQUFJLEVBQUUsSUFBSTtRQUNWLE1BQU0sRUFBRSxJQUFJO1FBQ1osS0FBSyxFQUFFLEVBQUU7UUFDVCxRQUFRLEVBQUUsRUFBRTtRQUNaLFVBQVUsRUFBRSxFQUFFO1FBQ2QsR0FBRyxXQUFXO0tBQ2YsQ0FBQTtBQUNILENBQUM7QUFFRDs7R0FFRztBQUNILE1BQU0sT0FBTyxZQUFZO0lBQ04sT0FBTyxDQUFlO0lBQ3RCLE9BQU8sQ0FBZTtJQUMvQixLQUFLLEdBQWEsRUFBRSxDQUFBO0lBQ3BCLFNBQVMsR0FBRyxDQUFDLENBQUE7SUFDYixNQUFNLEdBQUcsa0JBQWtCLEVBQUUsQ0FBQTtJQUVyQyxZQUFZLE9BQU8sR0FBa0IsRUFBRTtRQUNyQyxJQUFJLENBQUMsT0FBTyxHQUFHO1lBQ2IsR0FBRyxjQUFjO1lBQ2pCLEdBQUcsT0FBTztTQUNYLENBQUE7UUFDRCxJQUFJLENBQUMsT0FBTyxHQUFHLGdCQUFnQixDQUFDLElBQUksQ0FBQyxPQUFPLENBQUMsQ0FBQTtJQUMvQyxDQUFDO0lBRU8sV0FBVztRQUNqQixPQUFPLElBQUksQ0FBQyxLQUFLLENBQUMsSUFBSSxDQUFDLFNBQVMsQ0FBQyxDQUFBO0lBQ25DLENBQUM7SUFFTyxRQUFRO1FBQ2QsT0FBTyxJQUFJLENBQUMsS0FBSyxDQUFDLElBQUksQ0FBQyxTQUFTLEVBQUUsQ0FBQyxDQUFBO0lBQ3JDLENBQUM7SUFFTyxlQUFlO1FBQ3JCLE9BQU8sSUFBSSxDQUFDLFNBQVMsR0FBRyxJQUFJLENBQUMsS0FBSyxDQUFDLE1BQU0sQ0FBQTtJQUMzQyxDQUFDO0lBRU8sY0FBYyxDQUNwQixLQUFhLEVBQ2IsTUFBcUI7UUFFckIsTUFBTSxFQUFFLE9BQU8sRUFBRSxHQUFHLElBQUksQ0FBQTtRQUV4QixJQUFJLE9BQU8sQ0FBQyxHQUFHLENBQUMsSUFBSSxDQUFDLEtBQUssQ0FBQyxFQUFFLENBQUM7WUFDNUIsT0FBTyxJQUFJLENBQUE7UUFDYixDQUFDO1FBRUQsTUFBTSxPQUFPLEdBQUcsT0FBTyxDQUFDLGNBQWMsQ0FBQyxJQUFJLENBQUMsS0FBSyxDQUFDLENBQUE7UUFFbEQsSUFBSSxDQUFDLE9BQU8sRUFBRSxDQUFDO1lBQ2IsT0FBTyxJQUFJLENBQUE7UUFDYixDQUFDO1FBRUQsSUFBSSxDQUNGLEdBQUcsRUFDSCxVQUFVLEdBQUcsSUFBSSxFQUNqQixNQUFNLEVBQ04sS0FBSyxDQUNOLEdBQUcsT0FBTyxDQUFBO1FBQ1gsSUFBSSxLQUFLLEdBQWtCLElBQUksQ0FBQTtRQUUvQixJQUFJLFVBQVUsRUFBRSxDQUFDO1lBQ2YsTUFBTSxVQUFVLEdBQUcsVUFBVSxDQUFDLE9BQU8sQ0FBQyxHQUFHLENBQUMsQ0FBQTtZQUUxQyxJQUFJLFVBQVUsS0FBSyxDQUFDLENBQUMsRUFBRSxDQUFDO2dCQUN0QixLQUFLLEdBQUcsVUFBVSxDQUFDLEtBQUssQ0FBQyxDQUFDLEVBQUUsVUFBVSxDQUFDLENBQUE7Z0JBQ3ZDLFVBQVUsR0FBRyxVQUFVLENBQUMsS0FBSyxDQUFDLFVBQVUsR0FBRyxDQUFDLENBQUMsQ0FBQTtZQUMvQyxDQUFDO1FBQ0gsQ0FBQztRQUVELE9BQU87WUFDTCxHQUFHO1lBQ0gsTUFBTTtZQUNOLEtBQUs7WUFDTCxVQUFVO1lBQ1YsTUFBTTtZQUNOLEtBQUs7U0FDTixDQUFBO0lBQ0gsQ0FBQztJQUVPLGVBQWUsQ0FDckIsS0FBYSxFQUNiLGFBQWEsR0FBRyxLQUFLO1FBRXJCLE1BQU0sRUFBRSxPQUFPLEVBQUUsR0FBRyxJQUFJLENBQUE7UUFDeEIsTUFBTSxLQUFLLEdBQUcsYUFBYTtZQUN6QixDQUFDLENBQUMsT0FBTyxDQUFDLGdCQUFnQjtZQUMxQixDQUFDLENBQUMsT0FBTyxDQUFDLFVBQVUsQ0FBQTtRQUN0QixnRUFBZ0U7UUFDaEUsa0RBQWtEO1FBQ2xELE1BQU0sU0FBUyxHQUE4QixFQUFFLENBQUE7UUFDL0MsSUFBSSxTQUFTLEdBQUcsQ0FBQyxDQUFBO1FBQ2pCLElBQUksT0FBK0IsQ0FBQTtRQUVuQyxPQUFPLElBQUksRUFBRSxDQUFDO1lBQ1osT0FBTyxHQUFHLEtBQUssQ0FBQyxJQUFJLENBQUMsS0FBSyxDQUFDLENBQUE7WUFFM0IsSUFBSSxDQUFDLE9BQU8sRUFBRSxDQUFDO2dCQUNiLE1BQUs7WUFDUCxDQUFDO1lBRUQsU0FBUyxDQUFDLElBQUksQ0FDWixDQUFDLElBQUksRUFBRSxLQUFLLENBQUMsS0FBSyxDQUFDLFNBQVMsRUFBRSxPQUFPLENBQUMsS0FBSyxDQUFDLENBQUMsRUFDN0MsQ0FBQyxPQUFPLENBQUMsQ0FBQyxDQUFDLElBQUksSUFBSSxFQUFFLE9BQU8sQ0FBQyxDQUFDLENBQUMsSUFBSSxFQUFFLENBQUMsQ0FDdkMsQ0FBQTtZQUNELFNBQVMsR0FBRyxLQUFLLENBQUMsU0FBUyxDQUFBO1FBQzdCLENBQUM7UUFFRCxTQUFTLENBQUMsSUFBSSxDQUFDLENBQUMsSUFBSSxFQUFFLEtBQUssQ0FBQyxLQUFLLENBQUMsU0FBUyxDQUFDLENBQUMsQ0FBQyxDQUFBO1FBRTlDLE1BQU0sVUFBVSxHQUFzQixFQUFFLENBQUE7UUFDeEMsSUFBSSxTQUFpQyxDQUFBO1FBRXJDLEtBQUssTUFBTSxDQUFDLE1BQU0sRUFBRSxRQUFRLENBQUMsSUFBSSxTQUFTLEVBQUUsQ0FBQztZQUMzQyxPQUFPLElBQUksRUFBRSxDQUFDO2dCQUNaLFNBQVMsR0FBRyxJQUFJLENBQUMsY0FBYyxDQUFDLFFBQVEsRUFBRSxNQUFNLENBQUMsQ0FBQTtnQkFFakQsSUFBSSxDQUFDLFNBQVMsRUFBRSxDQUFDO29CQUNmLE1BQUs7Z0JBQ1AsQ0FBQztnQkFFRCxVQUFVLENBQUMsSUFBSSxDQUFDLFNBQVMsQ0FBQyxDQUFBO1lBQzVCLENBQUM7UUFDSCxDQUFDO1FBRUQsT0FBTyxVQUFVLENBQUE7SUFDbkIsQ0FBQztJQUVPLGNBQWM7UUFDcEIsSUFBSSxJQUFJLEdBQUcsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFBO1FBRTdCLE9BQU8sSUFBSSxLQUFLLFNBQVMsSUFBSSxDQUFDLElBQUksQ0FBQyxJQUFJLEVBQUUsRUFBRSxDQUFDO1lBQzFDLElBQUksQ0FBQyxRQUFRLEVBQUUsQ0FBQTtZQUNmLElBQUksR0FBRyxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUE7UUFDM0IsQ0FBQztJQUNILENBQUM7SUFFTyxVQUFVO1FBQ2hCLE1BQU0sRUFBRSxNQUFNLEVBQUUsT0FBTyxFQUFFLEdBQUcsSUFBSSxDQUFBO1FBQ2hDLE1BQU0sY0FBYyxHQUFHLE9BQU8sQ0FBQyxtQkFBbUIsSUFBSSxFQUFFLENBQUE7UUFDeEQsTUFBTSxLQUFLLEdBQUcsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFBO1FBQ2hDLE1BQU0sT0FBTyxHQUFHLEtBQUssSUFBSSxPQUFPLENBQUMsWUFBWTtZQUMzQyxDQUFDLENBQUMsS0FBSyxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsWUFBWSxDQUFDO1lBQ25DLENBQUMsQ0FBQyxJQUFJLENBQUE7UUFFUixJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO1lBRWYsTUFBTSxDQUFDLEtBQUssR0FBRyxPQUFPLENBQUMsQ0FBQyxDQUFDLElBQUksSUFBSSxDQUFBO1lBRWpDLDJCQUEyQixDQUFDLE1BQU0sRUFBRSxPQUFPLEVBQUUsY0FBYyxDQUFDLENBQUE7WUFFNUQsT0FBTyxJQUFJLENBQUE7UUFDYixDQUFDO1FBRUQsT0FBTyxLQUFLLENBQUE7SUFDZCxDQUFDO0lBRU8sV0FBVyxDQUFDLGFBQXNCO1FBQ3hDLElBQUksYUFBYSxFQUFFLENBQUM7WUFDbEIsSUFBSSxDQUFDLGNBQWMsRUFBRSxDQUFBO1FBQ3ZCLENBQUM7UUFFRCxNQUFNLEVBQUUsTUFBTSxFQUFFLE9BQU8sRUFBRSxHQUFHLElBQUksQ0FBQTtRQUNoQyxNQUFNLGNBQWMsR0FBRyxPQUFPLENBQUMsb0JBQW9CLElBQUksRUFBRSxDQUFBO1FBQ3pELE1BQU0sTUFBTSxHQUFHLE1BQU0sQ0FBQyxNQUFNLElBQUksSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO1FBQy9DLElBQUksT0FBTyxHQUE0QixJQUFJLENBQUE7UUFFM0MsSUFBSSxNQUFNLEVBQUUsQ0FBQztZQUNYLElBQUksT0FBTyxDQUFDLHFCQUFxQixFQUFFLENBQUM7Z0JBQ2xDLE9BQU8sR0FBRyxNQUFNLENBQUMsS0FBSyxDQUFDLE9BQU8sQ0FBQyxxQkFBcUIsQ0FBQyxDQUFBO1lBQ3ZELENBQUM7WUFFRCxJQUFJLENBQUMsT0FBTyxJQUFJLE9BQU8sQ0FBQyxhQUFhLEVBQUUsQ0FBQztnQkFDdEMsT0FBTyxHQUFHLE1BQU0sQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLGFBQWEsQ0FBQyxDQUFBO1lBQy9DLENBQUM7UUFDSCxDQUFDO1FBRUQsSUFBSSxNQUFNLEVBQUUsQ0FBQztZQUNYLE1BQU0sQ0FBQyxNQUFNLEdBQUcsTUFBTSxDQUFBO1FBQ3hCLENBQUM7UUFFRCxJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osMkJBQTJCLENBQUMsTUFBTSxFQUFFLE9BQU8sRUFBRSxjQUFjLENBQUMsQ0FBQTtRQUM5RCxDQUFDO0lBQ0gsQ0FBQztJQUVPLFNBQVM7UUFDZixNQUFNLEVBQ0osT0FBTyxFQUNQLE1BQU0sRUFDUCxHQUFHLElBQUksQ0FBQTtRQUVSLElBQUksQ0FBQyxPQUFPLENBQUMsWUFBWSxJQUFJLENBQUMsSUFBSSxDQUFDLGVBQWUsRUFBRSxFQUFFLENBQUM7WUFDckQsT0FBTyxLQUFLLENBQUE7UUFDZCxDQUFDO1FBRUQsSUFBSSxPQUFnQyxDQUFBO1FBQ3BDLElBQUksS0FBSyxHQUFrQixJQUFJLENBQUE7UUFDL0IsSUFBSSxNQUFNLEdBQUcsS0FBSyxDQUFBO1FBRWxCLE9BQU8sSUFBSSxDQUFDLGVBQWUsRUFBRSxFQUFFLENBQUM7WUFDOUIsT0FBTyxHQUFHLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLFlBQVksQ0FBQyxDQUFBO1lBRXhELElBQUksT0FBTyxFQUFFLENBQUM7Z0JBQ1osS0FBSyxHQUFHLE9BQU8sQ0FBQyxDQUFDLENBQUMsSUFBSSxJQUFJLENBQUE7Z0JBQzFCLElBQUksQ0FBQyxRQUFRLEVBQUUsQ0FBQTtnQkFDZixTQUFRO1lBQ1YsQ0FBQztZQUVELElBQUksS0FBSyxFQUFFLENBQUM7Z0JBQ1YsTUFBTSxHQUFHLElBQUksQ0FBQTtnQkFDYixNQUFNLENBQUMsS0FBSyxDQUFDLEdBQUcsVUFBVSxDQUFDLE1BQU0sQ0FBQyxLQUFLLENBQUMsRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtnQkFDN0QsSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO1lBQ2pCLENBQUM7aUJBQU0sQ0FBQztnQkFDTixNQUFLO1lBQ1AsQ0FBQztRQUNILENBQUM7UUFFRCxPQUFPLE1BQU0sQ0FBQTtJQUNmLENBQUM7SUFFTyxVQUFVO1FBQ2hCLE1BQU0sRUFDSixPQUFPLEVBQ1AsTUFBTSxFQUNQLEdBQUcsSUFBSSxDQUFBO1FBRVIsSUFBSSxDQUFDLElBQUksQ0FBQyxlQUFlLEVBQUUsRUFBRSxDQUFDO1lBQzVCLE9BQU8sS0FBSyxDQUFBO1FBQ2QsQ0FBQztRQUVELE1BQU0sT0FBTyxHQUFHLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLEtBQUssQ0FBQyxDQUFBO1FBQ3ZELElBQUksYUFBc0IsQ0FBQTtRQUUxQixJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osTUFBTSxJQUFJLEdBQWU7Z0JBQ3ZCLEtBQUssRUFBRSxPQUFPLENBQUMsQ0FBQyxDQUFDO2dCQUNqQixJQUFJLEVBQUUsT0FBTyxDQUFDLENBQUMsQ0FBQzthQUNqQixDQUFBO1lBRUQsTUFBTSxDQUFDLEtBQUssQ0FBQyxJQUFJLENBQUMsSUFBSSxDQUFDLENBQUE7WUFDdkIsTUFBTSxDQUFDLE1BQU0sR0FBRyxVQUFVLENBQUMsTUFBTSxDQUFDLE1BQU0sRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtZQUM3RCxJQUFJLENBQUMsUUFBUSxFQUFFLENBQUE7WUFFZixPQUFPLElBQUksQ0FBQyxlQUFlLEVBQUUsRUFBRSxDQUFDO2dCQUM5QixJQUFJLElBQUksQ0FBQyxTQUFTLEVBQUUsRUFBRSxDQUFDO29CQUNyQixPQUFPLElBQUksQ0FBQTtnQkFDYixDQUFDO2dCQUVELElBQUksSUFBSSxDQUFDLFVBQVUsRUFBRSxFQUFFLENBQUM7b0JBQ3RCLE9BQU8sSUFBSSxDQUFBO2dCQUNiLENBQUM7Z0JBRUQsYUFBYSxHQUFHLE9BQU8sQ0FBQyxXQUFXLENBQUMsSUFBSSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxDQUFBO2dCQUU1RCxNQUFNLENBQUMsVUFBVSxDQUFDLElBQUksQ0FDcEIsR0FBRyxJQUFJLENBQUMsZUFBZSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsRUFBRSxhQUFhLENBQUMsQ0FDM0QsQ0FBQTtnQkFFRCxJQUFJLENBQUMsYUFBYSxFQUFFLENBQUM7b0JBQ25CLElBQUksQ0FBQyxJQUFJLEdBQUcsVUFBVSxDQUFDLElBQUksQ0FBQyxJQUFJLEVBQUUsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFDLENBQUE7Z0JBQ3ZELENBQUM7Z0JBRUQsTUFBTSxDQUFDLE1BQU0sR0FBRyxVQUFVLENBQUMsTUFBTSxDQUFDLE1BQU0sRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtnQkFDN0QsSUFBSSxDQUFDLFFBQVEsRUFBRSxDQUFBO2dCQUVmLElBQUksYUFBYSxFQUFFLENBQUM7b0JBQ2xCLE1BQUs7Z0JBQ1AsQ0FBQztZQUNILENBQUM7WUFFRCxPQUFPLElBQUksQ0FBQTtRQUNiLENBQUM7UUFFRCxPQUFPLEtBQUssQ0FBQTtJQUNkLENBQUM7SUFFTyxrQkFBa0IsQ0FBQyxNQUFlO1FBQ3hDLE1BQU0sRUFDSixNQUFNLEVBQ04sT0FBTyxFQUNSLEdBQUcsSUFBSSxDQUFBO1FBRVIsSUFBSSxDQUFDLElBQUksQ0FBQyxlQUFlLEVBQUUsRUFBRSxDQUFDO1lBQzVCLE9BQU8sTUFBTSxDQUFBO1FBQ2YsQ0FBQztRQUVELE1BQU0sYUFBYSxHQUFHLE9BQU8sQ0FBQyxXQUFXLENBQUMsSUFBSSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsQ0FBQyxDQUFBO1FBQ2xFLE1BQU0sV0FBVyxHQUFHLENBQUMsYUFBYSxJQUFJLE1BQU0sQ0FBQTtRQUU1QyxNQUFNLENBQUMsVUFBVSxDQUFDLElBQUksQ0FDcEIsR0FBRyxJQUFJLENBQUMsZUFBZSxDQUFDLElBQUksQ0FBQyxXQUFXLEVBQUUsRUFBRSxhQUFhLENBQUMsQ0FDM0QsQ0FBQTtRQUVELElBQUksV0FBVyxFQUFFLENBQUM7WUFDaEIsTUFBTSxDQUFDLElBQUksR0FBRyxVQUFVLENBQUMsTUFBTSxDQUFDLElBQUksRUFBRSxJQUFJLENBQUMsV0FBVyxFQUFFLENBQUMsQ0FBQTtRQUMzRCxDQUFDO2FBQU0sQ0FBQztZQUNOLE1BQU0sQ0FBQyxNQUFNLEdBQUcsVUFBVSxDQUFDLE1BQU0sQ0FBQyxNQUFNLEVBQUUsSUFBSSxDQUFDLFdBQVcsRUFBRSxDQUFDLENBQUE7UUFDL0QsQ0FBQztRQUVELElBQUksQ0FBQyxRQUFRLEVBQUUsQ0FBQTtRQUVmLE9BQU8sV0FBVyxDQUFBO0lBQ3BCLENBQUM7SUFFTyxtQkFBbUI7UUFDekIsTUFBTSxFQUNKLE1BQU0sRUFDTixPQUFPLEVBQ1IsR0FBRyxJQUFJLENBQUE7UUFFUixJQUFJLENBQUMsT0FBTyxDQUFDLHFCQUFxQixJQUFJLE1BQU0sQ0FBQyxLQUFLLENBQUMsTUFBTSxJQUFJLENBQUMsTUFBTSxDQUFDLE1BQU0sRUFBRSxDQUFDO1lBQzVFLE9BQU07UUFDUixDQUFDO1FBRUQsTUFBTSxPQUFPLEdBQUcsTUFBTSxDQUFDLE1BQU0sQ0FBQyxLQUFLLENBQUMsT0FBTyxDQUFDLHFCQUFxQixDQUFDLENBQUE7UUFFbEUsSUFBSSxPQUFPLEVBQUUsQ0FBQztZQUNaLE1BQU0sQ0FBQyxLQUFLLENBQUMsSUFBSSxDQUFDO2dCQUNoQixLQUFLLEVBQUUsaUJBQWlCO2dCQUN4QixJQUFJLEVBQUUsT0FBTyxDQUFDLENBQUMsQ0FBQzthQUNqQixDQUFDLENBQUE7UUFDSixDQUFDO0lBQ0gsQ0FBQztJQUVPLGFBQWEsQ0FBQyxLQUFhO1FBQ2pDLE1BQU0sRUFDSixNQUFNLEVBQ04sT0FBTyxFQUNSLEdBQUcsSUFBSSxDQUFBO1FBQ1IsSUFBSSxPQUErQixDQUFBO1FBRW5DLFNBQVMsQ0FBQztZQUNSLE9BQU8sR0FBRyxPQUFPLENBQUMsUUFBUSxDQUFDLElBQUksQ0FBQyxLQUFLLENBQUMsQ0FBQTtZQUV0QyxJQUFJLENBQUMsT0FBTyxFQUFFLENBQUM7Z0JBQ2IsTUFBSztZQUNQLENBQUM7WUFFRCxNQUFNLENBQUMsUUFBUSxDQUFDLElBQUksQ0FBQyxPQUFPLENBQUMsQ0FBQyxDQUFDLENBQUMsQ0FBQTtRQUNsQyxDQUFDO0lBQ0gsQ0FBQztJQUVPLFdBQVcsQ0FBQyxLQUFhO1FBQy9CLE1BQU0sRUFDSixNQUFNLEVBQ04sT0FBTyxFQUNSLEdBQUcsSUFBSSxDQUFBO1FBQ1IsTUFBTSxjQUFjLEdBQUcsT0FBTyxDQUFDLG9CQUFvQixJQUFJLEVBQUUsQ0FBQTtRQUN6RCxNQUFNLE9BQU8sR0FBRyxPQUFPLENBQUMsYUFBYTtZQUNuQyxDQUFDLENBQUMsS0FBSyxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsYUFBYSxDQUFDO1lBQ3BDLENBQUMsQ0FBQyxJQUFJLENBQUE7UUFFUixJQUFJLE9BQU8sRUFBRSxDQUFDO1lBQ1osTUFBTSxDQUFDLE1BQU0sR0FBRywyQkFBMkIsQ0FBQyxFQUFFLEVBQUUsT0FBTyxFQUFFLGNBQWMsQ0FBQyxDQUFBO1FBQzFFLENBQUM7SUFDSCxDQUFDO0lBRU8sYUFBYTtRQUNuQixNQUFNLEVBQUUsTUFBTSxFQUFFLEdBQUcsSUFBSSxDQUFBO1FBRXZCLE1BQU0sQ0FBQyxJQUFJLEtBQUssWUFBWSxDQUFDLE1BQU0sQ0FBQyxJQUFJLENBQUMsQ0FBQTtRQUN6QyxNQUFNLENBQUMsTUFBTSxLQUFLLFlBQVksQ0FBQyxNQUFNLENBQUMsTUFBTSxDQUFDLENBQUE7UUFFN0MsTUFBTSxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsQ0FBQyxJQUFJLEVBQUUsRUFBRTtZQUM1QixJQUFJLENBQUMsSUFBSSxHQUFHLFlBQVksQ0FBQyxJQUFJLENBQUMsSUFBSSxDQUFDLENBQUE7UUFDckMsQ0FBQyxDQUFDLENBQUE7UUFFRixNQUFNLGFBQWEsR0FBRyxJQUFJLEdBQUcsRUFBVSxDQUFBO1FBRXZDLE1BQU0sQ0FBQyxVQUFVLEdBQUcsTUFBTSxDQUFDLFVBQVUsQ0FBQyxNQUFNLENBQUMsQ0FBQyxTQUFTLEVBQUUsRUFBRTtZQUN6RCxNQUFNLEdBQUcsR0FBRyxHQUFHLFNBQVMsQ0FBQyxNQUFNLElBQUksU0FBUyxDQUFDLEdBQUcsRUFBRSxDQUFDLGlCQUFpQixFQUFFLENBQUE7WUFDdEUsTUFBTSxFQUFFLEdBQUcsQ0FBQyxhQUFhLENBQUMsR0FBRyxDQUFDLEdBQUcsQ0FBQyxDQUFBO1lBRWxDLElBQUksRUFBRSxFQUFFLENBQUM7Z0JBQ1AsYUFBYSxDQUFDLEdBQUcsQ0FBQyxHQUFHLENBQUMsQ0FBQTtZQUN4QixDQUFDO1lBRUQsT0FBTyxFQUFFLENBQUE7UUFDWCxDQUFDLENBQUMsQ0FBQTtJQUNKLENBQUM7SUFFRDs7OztPQUlHO0lBQ0gsS0FBSyxDQUFDLEtBQWE7UUFDakIsSUFBSSxDQUFDLEtBQUssQ0FBQyxJQUFJLEVBQUUsRUFBRSxDQUFDO1lBQ2xCLE1BQU0sSUFBSSxTQUFTLENBQUMsdUJBQXVCLENBQUMsQ0FBQTtRQUM5QyxDQUFDO1FBRUQsTUFBTSxFQUFFLFdBQVcsRUFBRSxHQUFHLElBQUksQ0FBQyxPQUFPLENBQUE7UUFDcEMsTUFBTSxhQUFhLEdBQUcsZ0JBQWdCLENBQUMsV0FBVyxDQUFDLENBQUE7UUFDbkQsTUFBTSxRQUFRLEdBQUcsWUFBWSxDQUFDLEtBQUssQ0FBQyxDQUFDLEtBQUssQ0FBQyxPQUFPLENBQUMsQ0FBQTtRQUNuRCxNQUFNLEtBQUssR0FBRyxXQUFXO1lBQ3ZCLENBQUMsQ0FBQyxpQkFBaUIsQ0FBQyxRQUFRLEVBQUUsV0FBVyxDQUFDLENBQUMsTUFBTSxDQUFDLElBQUksQ0FBQyxFQUFFLENBQUMsYUFBYSxDQUFDLElBQUksQ0FBQyxJQUFJLFNBQVMsQ0FBQyxJQUFJLENBQUMsQ0FBQztZQUNqRyxDQUFDLENBQUMsUUFBUSxDQUFDLE1BQU0sQ0FBQyxJQUFJLENBQUMsRUFBRSxDQUFDLFNBQVMsQ0FBQyxJQUFJLENBQUMsQ0FBQyxDQUFBO1FBQzVDLE1BQU0sTUFBTSxHQUFHLGtCQUFrQixFQUFFLENBQUE7UUFFbkMsSUFBSSxDQUFDLEtBQUssR0FBRyxLQUFLLENBQUE7UUFDbEIsSUFBSSxDQUFDLFNBQVMsR0FBRyxDQUFDLENBQUE7UUFDbEIsSUFBSSxDQUFDLE1BQU0sR0FBRyxNQUFNLENBQUE7UUFFcEIsTUFBTSxhQUFhLEdBQUcsSUFBSSxDQUFDLFVBQVUsRUFBRSxDQUFBO1FBRXZDLElBQUksQ0FBQyxXQUFXLENBQUMsYUFBYSxDQUFDLENBQUE7UUFFL0IsSUFBSSxNQUFNLENBQUMsTUFBTSxFQUFFLENBQUM7WUFDbEIsTUFBTSxDQUFDLFVBQVUsR0FBRyxJQUFJLENBQUMsZUFBZSxDQUFDLE1BQU0sQ0FBQyxNQUFNLENBQUMsQ0FBQTtRQUN6RCxDQUFDO1FBRUQsSUFBSSxNQUFNLEdBQUcsSUFBSSxDQUFBO1FBRWpCLE9BQU8sSUFBSSxDQUFDLGVBQWUsRUFBRSxFQUFFLENBQUM7WUFDOUIsSUFBSSxDQUFDLFNBQVMsRUFBRSxDQUFBO1lBRWhCLElBQUksSUFBSSxDQUFDLFVBQVUsRUFBRSxFQUFFLENBQUM7Z0JBQ3RCLE1BQU0sR0FBRyxLQUFLLENBQUE7WUFDaEIsQ0FBQztZQUVELElBQUksQ0FBQyxJQUFJLENBQUMsa0JBQWtCLENBQUMsTUFBTSxDQUFDLEVBQUUsQ0FBQztnQkFDckMsTUFBTSxHQUFHLEtBQUssQ0FBQTtZQUNoQixDQUFDO1FBQ0gsQ0FBQztRQUVELElBQUksQ0FBQyxtQkFBbUIsRUFBRSxDQUFBO1FBQzFCLElBQUksQ0FBQyxhQUFhLENBQUMsS0FBSyxDQUFDLENBQUE7UUFDekIsSUFBSSxDQUFDLFdBQVcsQ0FBQyxLQUFLLENBQUMsQ0FBQTtRQUN2QixJQUFJLENBQUMsYUFBYSxFQUFFLENBQUE7UUFFcEIsT0FBTyxNQUFNLENBQUE7SUFDZixDQUFDO0NBQ0YifQ==
;// CONCATENATED MODULE: external "stream"
const external_stream_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/stream.js


/**
 * Create async generator function to parse async iterable of raw commits.
 * @param options - CommitParser options.
 * @returns Async generator function to parse async iterable of raw commits.
 */
function parseCommits(options = {}) {
    const warnOption = options.warn;
    const warn = warnOption === true
        ? (err) => {
            throw err;
        }
        : warnOption
            ? (err) => warnOption(err.toString())
            : () => { };
    return async function* parse(rawCommits) {
        const parser = new CommitParser(options);
        let rawCommit;
        for await (rawCommit of rawCommits) {
            try {
                yield parser.parse(rawCommit.toString());
            }
            catch (err) {
                warn(err);
            }
        }
    };
}
/**
 * Create stream to parse commits.
 * @param options - CommitParser options.
 * @returns Stream of parsed commits.
 */
function parseCommitsStream(options = {}) {
    return Transform.from(parseCommits(options));
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoic3RyZWFtLmpzIiwic291cmNlUm9vdCI6IiIsInNvdXJjZXMiOlsiLi4vc3JjL3N0cmVhbS50cyJdLCJuYW1lcyI6W10sIm1hcHBpbmdzIjoiQUFBQSxPQUFPLEVBQUUsU0FBUyxFQUFFLE1BQU0sUUFBUSxDQUFBO0FBRWxDLE9BQU8sRUFBRSxZQUFZLEVBQUUsTUFBTSxtQkFBbUIsQ0FBQTtBQUVoRDs7OztHQUlHO0FBQ0gsTUFBTSxVQUFVLFlBQVksQ0FDMUIsT0FBTyxHQUF3QixFQUFFO0lBRWpDLE1BQU0sVUFBVSxHQUFHLE9BQU8sQ0FBQyxJQUFJLENBQUE7SUFDL0IsTUFBTSxJQUFJLEdBQUcsVUFBVSxLQUFLLElBQUk7UUFDOUIsQ0FBQyxDQUFDLENBQUMsR0FBVSxFQUFFLEVBQUU7WUFDZixNQUFNLEdBQUcsQ0FBQTtRQUNYLENBQUM7UUFDRCxDQUFDLENBQUMsVUFBVTtZQUNWLENBQUMsQ0FBQyxDQUFDLEdBQVUsRUFBRSxFQUFFLENBQUMsVUFBVSxDQUFDLEdBQUcsQ0FBQyxRQUFRLEVBQUUsQ0FBQztZQUM1QyxDQUFDLENBQUMsR0FBRyxFQUFFLEdBQWMsQ0FBQyxDQUFBO0lBRTFCLE9BQU8sS0FBSyxTQUFTLENBQUMsQ0FBQyxLQUFLLENBQzFCLFVBQXNFO1FBRXRFLE1BQU0sTUFBTSxHQUFHLElBQUksWUFBWSxDQUFDLE9BQU8sQ0FBQyxDQUFBO1FBQ3hDLElBQUksU0FBMEIsQ0FBQTtRQUU5QixJQUFJLEtBQUssRUFBRSxTQUFTLElBQUksVUFBVSxFQUFFLENBQUM7WUFDbkMsSUFBSSxDQUFDO2dCQUNILE1BQU0sTUFBTSxDQUFDLEtBQUssQ0FBQyxTQUFTLENBQUMsUUFBUSxFQUFFLENBQUMsQ0FBQTtZQUMxQyxDQUFDO1lBQUMsT0FBTyxHQUFHLEVBQUUsQ0FBQztnQkFDYixJQUFJLENBQUMsR0FBWSxDQUFDLENBQUE7WUFDcEIsQ0FBQztRQUNILENBQUM7SUFDSCxDQUFDLENBQUE7QUFDSCxDQUFDO0FBRUQ7Ozs7R0FJRztBQUNILE1BQU0sVUFBVSxrQkFBa0IsQ0FBQyxPQUFPLEdBQXdCLEVBQUU7SUFDbEUsT0FBTyxTQUFTLENBQUMsSUFBSSxDQUFDLFlBQVksQ0FBQyxPQUFPLENBQUMsQ0FBQyxDQUFBO0FBQzlDLENBQUMifQ==
;// CONCATENATED MODULE: ./node_modules/conventional-commits-parser/dist/index.js


//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJmaWxlIjoiaW5kZXguanMiLCJzb3VyY2VSb290IjoiIiwic291cmNlcyI6WyIuLi9zcmMvaW5kZXgudHMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBQ0EsY0FBYyxtQkFBbUIsQ0FBQTtBQUNqQyxjQUFjLGFBQWEsQ0FBQSJ9
;// CONCATENATED MODULE: ./build/src/core/commit.js

// Strict on purpose: a colon and a space are required, `!` goes right before the colon, and the
// footer token must be upper-case (the parser's default note pattern ignores case). `!` is read
// here rather than by the parser's breaking-header pattern, which would copy the subject into the
// notes as if it were a footer.
const parser = new CommitParser_CommitParser({
    headerPattern: /^(\w[\w-]*)(?:\(([^()\r\n]*)\))?!?: (\S.*)$/,
    headerCorrespondence: ['type', 'scope', 'subject'],
    noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
    notesPattern: (keywords) => new RegExp(`^(${keywords}): (.*)`),
    // Case-insensitive like the type: `Revert: …` and `REVERT: …` are conventional reverts too.
    revertPattern: /^(?:Revert\s+"[\s\S]*"|revert(?:\([^()\r\n]*\))?!?: [\s\S]*?)\s*This reverts commit ([0-9a-fA-F]{7,40})\b/i,
    revertCorrespondence: ['hash'],
    // No issue references: the notes link `#123` in the text they show.
    issuePrefixes: undefined,
});
const releaseAsFooter = /^Release-As:[ \t]*(\S+)[ \t]*$/im;
const conventionalHeader = /^(\w[\w-]*)(?:\(([^()\r\n]*)\))?(!?): (\S.*)$/;
/** Anything only the full parser reads: footers that break or force a version, and reverts. */
const needsFullParse = /BREAKING|Release-As|revert|^\s/i;
/**
 * Reads a commit by the rules of DESIGN.md. Most commits of a long history are a header and a
 * plain body; for those the header alone decides, so the full parser only runs for messages that
 * mention a breaking footer, Release-As or a revert (a test checks both paths agree).
 */
function parseCommit(raw) {
    return needsFullParse.test(raw.message) ? parseCommitFully(raw) : parseHeaderOnly(raw);
}
function parseHeaderOnly(raw) {
    const end = raw.message.search(/\r|\n/);
    const header = (end === -1 ? raw.message : raw.message.slice(0, end)).trim();
    const m = conventionalHeader.exec(header);
    return {
        sha: raw.sha,
        type: m ? m[1].toLowerCase() : null,
        scope: m ? m[2] || null : null,
        subject: m ? m[4] : header,
        header,
        breaking: m !== null && m[3] === '!',
        breakingNotes: [],
        merge: raw.parents.length > 1,
        reverts: null,
        releaseAs: null,
    };
}
/** The full Conventional Commits parse, footers and reverts included. */
function parseCommitFully(raw) {
    // git allows an empty message (--allow-empty-message); the parser throws on one.
    if (raw.message.trim() === '')
        return parseHeaderOnly(raw);
    const message = raw.message.replace(/\r\n?/g, '\n');
    const header = (message.split('\n', 1)[0] ?? '').trim();
    const merge = raw.parents.length > 1;
    const parsed = parser.parse(message);
    const type = parsed.type ? parsed.type.toLowerCase() : null;
    const breakingNotes = parsed.notes.map((note) => note.text.trim());
    // The same shape as headerPattern, so a scope the header accepts (even one with a colon) keeps its `!`.
    const bang = type !== null && /^\w[\w-]*(?:\([^()\r\n]*\))?!: /.test(header);
    return {
        sha: raw.sha,
        type,
        scope: type ? parsed.scope || null : null,
        subject: type ? (parsed.subject ?? '').trim() : header,
        header,
        breaking: type !== null && (bang || breakingNotes.length > 0),
        breakingNotes,
        merge,
        reverts: parsed.revert?.hash ? parsed.revert.hash.toLowerCase() : null,
        releaseAs: releaseAsFooter.exec(message)?.[1] ?? null,
    };
}

;// CONCATENATED MODULE: ./build/src/core/analyze.js


const abbreviated = 7;
/**
 * Folds a range of commits, newest first (as `git log` streams them), into the bump it asks for.
 *
 * Only what the answer needs is kept: a revert and its target cancel each other, and because a revert
 * always comes before its target in this order, an open revert is remembered only until its target
 * shows up. Reverts whose target is outside the range revert something released earlier: patch.
 */
class CommitAnalyzer {
    bumpOf;
    collect;
    maxReasons;
    bump = 'none';
    commits = 0;
    reasons = [];
    /** Where each reason's commit came in the stream (1 = newest), parallel to `reasons`. */
    reasonPositions = [];
    counts = { major: 0, minor: 0, patch: 0 };
    releaseAs = null;
    included = [];
    /** Open reverts by the first 7 characters of their target. */
    openReverts = new Map();
    openRevertPositions = new Map();
    cancelled = new Set();
    constructor(options = {}) {
        this.bumpOf = commitBumper(options.rules ?? []);
        this.collect = options.collect ?? false;
        this.maxReasons = options.maxReasons ?? 20;
    }
    add(raw) {
        this.commits++;
        if (raw.parents.length > 1)
            return;
        const commit = parseCommit(raw);
        if (this.revertedInRange(commit))
            return;
        if (commit.releaseAs && !this.releaseAs)
            this.releaseAs = { value: commit.releaseAs, sha: commit.sha };
        if (commit.reverts) {
            const key = commit.reverts.slice(0, abbreviated);
            this.openReverts.set(key, [...(this.openReverts.get(key) ?? []), commit]);
            this.openRevertPositions.set(commit, this.commits);
        }
        else {
            this.count(commit, this.bumpOf(commit), this.commits);
        }
        if (this.collect)
            this.included.push(commit);
    }
    finish() {
        // Open reverts are counted only now, but they are newer than some commits counted before them:
        // put the reasons back in stream order (newest first) and keep the newest `maxReasons`.
        for (const reverts of this.openReverts.values()) {
            for (const revert of reverts) {
                this.count(revert, maxBump('patch', this.bumpOf(revert)), this.openRevertPositions.get(revert), false);
            }
        }
        this.openReverts.clear();
        this.openRevertPositions.clear();
        if (this.reasons.length > 1) {
            const order = this.reasons.map((reason, i) => ({ reason, position: this.reasonPositions[i] }));
            order.sort((a, b) => a.position - b.position);
            order.length = Math.min(order.length, this.maxReasons);
            this.reasons = order.map((o) => o.reason);
            this.reasonPositions = order.map((o) => o.position);
        }
        return {
            bump: this.bump,
            commits: this.commits,
            reasons: this.reasons,
            counts: this.counts,
            releaseAs: this.releaseAs,
            included: this.cancelled.size ? this.included.filter((c) => !this.cancelled.has(c.sha)) : this.included,
        };
    }
    /** True when a newer revert in the range targets this commit; both then count for nothing. */
    revertedInRange(commit) {
        const key = commit.sha.slice(0, abbreviated);
        const candidates = this.openReverts.get(key);
        const revert = candidates?.find((r) => commit.sha.startsWith(r.reverts));
        if (!revert)
            return false;
        const rest = candidates.filter((r) => r !== revert);
        if (rest.length)
            this.openReverts.set(key, rest);
        else
            this.openReverts.delete(key);
        this.openRevertPositions.delete(revert);
        if (this.collect)
            this.cancelled.add(revert.sha);
        return true;
    }
    /** `capped` false lets a reason in past `maxReasons`; `finish` then keeps the newest. */
    count(commit, bump, position, capped = true) {
        if (bump === 'none')
            return;
        this.counts[bump]++;
        const order = compareBumps(bump, this.bump);
        if (order > 0) {
            this.bump = bump;
            this.reasons = [];
            this.reasonPositions = [];
        }
        if (order >= 0 && (!capped || this.reasons.length < this.maxReasons)) {
            this.reasons.push({ sha: commit.sha, header: commit.header, bump });
            this.reasonPositions.push(position);
        }
    }
}

;// CONCATENATED MODULE: ./build/src/flows/history.js



const unshallowCommand = 'git fetch --unshallow --tags';
/** Never computes from an incomplete history: deepens it, or stops with the command that does. */
async function ensureFullHistory(git, policy, log) {
    if (!(await git.isShallow()))
        return;
    if (policy === 'fail') {
        throw new PreconditionError('this repository is a shallow clone, so the last release and the commits since it cannot be known', `${unshallowCommand}   (in actions/checkout: fetch-depth: 0)`);
    }
    log(`Shallow clone detected: fetching the full history and tags (${unshallowCommand}).`);
    await git.deepen();
    if (await git.isShallow()) {
        throw new PreconditionError('the clone is still shallow after fetching its history', `${unshallowCommand}, or fetch-depth: 0 in actions/checkout`);
    }
}
async function resolveRef(git, ref, input) {
    const sha = await git.resolveCommit(ref);
    if (sha)
        return sha;
    if (ref === 'HEAD')
        throw new PreconditionError('HEAD has no commit yet: there is no history to version', 'commit something first, e.g. git commit --allow-empty -m "chore: start"');
    throw new InputError(input, ref, 'a commit, branch or tag that exists in this repository');
}
/** The last release before `to` and the analysis of the commits since it, streamed from git. */
async function describeRange(git, options) {
    const { settings } = options;
    const head = await resolveRef(git, options.to, 'to');
    const analyzer = () => new CommitAnalyzer({ rules: settings.releaseRules, collect: options.collect ?? false });
    if (options.from) {
        const from = await resolveRef(git, options.from, 'from');
        const previous = highestVersionTag([options.from], settings.tagPrefix, { includePrerelease: true });
        return { head, previous, from, analysis: (await analyzeRange(git, { from, to: head }, analyzer())).analysis };
    }
    // Asking git which tags `head` contains walks the whole history, which costs more than the range.
    // So the highest release tag is tried first, and the range itself proves that `head` contains it:
    // git log --boundary lists the range's start at its edge exactly when it is an ancestor.
    const tagged = (await git.tagCommits()).filter((t) => t.name !== options.excludeTag);
    const highest = highestVersionTag(tagged.map((t) => t.name), settings.tagPrefix);
    const highestCommit = highest && tagged.find((t) => t.name === highest.tag).commit;
    if (highest && highestCommit === head) {
        return { head, previous: highest, from: head, analysis: analyzer().finish() };
    }
    if (highest && highestCommit) {
        const attempt = await analyzeRange(git, { from: highestCommit, to: head }, analyzer(), highestCommit);
        if (attempt.reachedStart)
            return { head, previous: highest, from: highestCommit, analysis: attempt.analysis };
    }
    // The highest tag is on another branch: let git find the highest one `head` contains.
    const reachable = (await git.tags({ mergedInto: head })).filter((t) => t !== options.excludeTag);
    const previous = highestVersionTag(reachable, settings.tagPrefix);
    const from = previous ? tagged.find((t) => t.name === previous.tag).commit : null;
    return { head, previous, from, analysis: (await analyzeRange(git, { from, to: head }, analyzer())).analysis };
}
/** Streams `from..to` through the analyzer; with `start`, also tells whether `to` contains it. */
async function analyzeRange(git, range, analyzer, start) {
    let reachedStart = false;
    for await (const commit of git.log(range, { boundary: start !== undefined })) {
        if (commit.boundary) {
            if (commit.sha === start)
                reachedStart = true;
        }
        else {
            analyzer.add(commit);
        }
    }
    return { analysis: analyzer.finish(), reachedStart };
}

;// CONCATENATED MODULE: ./build/src/adapters/git.js

class GitError extends Error {
    args;
    exitCode;
    stderr;
    name = 'GitError';
    constructor(
    /** The arguments after `git`. */
    args, 
    /** Null when git could not be started or was killed by a signal. */
    exitCode, stderr, options) {
        super(describeFailure(args, exitCode, stderr, options), options?.cause ? { cause: options.cause } : undefined);
        this.args = args;
        this.exitCode = exitCode;
        this.stderr = stderr;
    }
}
function describeFailure(args, exitCode, stderr, options) {
    const command = formatCommand(args);
    const detail = stderr.trim();
    if (options?.cause instanceof Error)
        return `${command} could not be run: ${options.cause.message}`;
    const status = exitCode !== null ? `exit ${exitCode}` : `killed by ${options?.signal ?? 'a signal'}`;
    return `${command} failed (${status})${detail ? `: ${detail}` : ''}`;
}
function formatCommand(args) {
    return ['git', ...args].map((arg) => (/^[\w@%^~:/.,=+-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
}
// -- Parsing `git log -z --format=%m%H%x1f%P%x1f%B` ----------------------------------------------
/** Between commits (git's -z terminator); git refuses NUL inside commit messages. */
const RECORD_END = '\0';
/** Between the fields of one commit; a unit separator cannot appear in a sha or parent list. */
const FIELD_SEPARATOR = '\x1f';
/** %m is `-` for a boundary commit (with --boundary) and `>` otherwise. */
const LOG_FORMAT = '--format=%m%H%x1f%P%x1f%B';
const BOUNDARY_MARK = '-';
/** One record of LOG_FORMAT output, without its NUL terminator. */
function parseLogRecord(record) {
    const afterSha = record.indexOf(FIELD_SEPARATOR);
    const afterParents = afterSha === -1 ? -1 : record.indexOf(FIELD_SEPARATOR, afterSha + 1);
    if (afterParents === -1 || afterSha < 2) {
        throw new Error(`expected a git log record "<mark><sha>\\x1f<parents>\\x1f<message>", got ${JSON.stringify(record.slice(0, 80))}`);
    }
    const parents = record.slice(afterSha + 1, afterParents);
    const commit = {
        sha: record.slice(1, afterSha),
        parents: parents === '' ? [] : parents.split(' '),
        message: record.slice(afterParents + 1),
    };
    if (record[0] === BOUNDARY_MARK)
        commit.boundary = true;
    return commit;
}
/**
 * Turns decoded LOG_FORMAT output, in chunks of any size, into commits as soon as each record is
 * complete. Only the unfinished tail is kept, so memory follows the largest commit, not the history.
 */
async function* parseLogStream(chunks) {
    let pending = '';
    for await (const chunk of chunks) {
        // Searching only the new chunk keeps a message spread over many chunks from being rescanned.
        let end = chunk.indexOf(RECORD_END);
        if (end === -1) {
            pending += chunk;
            continue;
        }
        yield parseLogRecord(pending + chunk.slice(0, end));
        let start = end + 1;
        while ((end = chunk.indexOf(RECORD_END, start)) !== -1) {
            yield parseLogRecord(chunk.slice(start, end));
            start = end + 1;
        }
        pending = chunk.slice(start);
    }
    if (pending !== '') {
        throw new Error(`git log output ended inside a record: ${JSON.stringify(pending.slice(0, 80))}`);
    }
}
/** Enough to explain any failure; a runaway stderr must not grow without bound. */
const git_STDERR_LIMIT = 64 * 1024;
function spawnGit(gitPath, cwd, args, stdin) {
    const child = (0,external_node_child_process_namespaceObject.spawn)(gitPath, args, {
        cwd,
        stdio: [stdin, 'pipe', 'pipe'],
        env: {
            ...process.env,
            // English messages for GitError, and never wait for a password nobody can type.
            LC_ALL: 'C',
            GIT_TERMINAL_PROMPT: '0',
            // Read-only commands such as status must not take index.lock from a concurrent writer.
            GIT_OPTIONAL_LOCKS: '0',
        },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (data) => {
        if (stderr.length < git_STDERR_LIMIT)
            stderr += data;
    });
    const exited = new Promise((resolve, reject) => {
        child.once('error', (error) => reject(new GitError(args, null, stderr, { cause: error })));
        child.once('close', (exitCode, signal) => resolve({ exitCode, signal, stderr }));
    });
    // The caller may be busy with stdout when a spawn error arrives; it still sees it when awaiting.
    exited.catch(() => undefined);
    return { child, exited };
}
async function execGit(gitPath, cwd, args, options = {}) {
    const { child, exited } = spawnGit(gitPath, cwd, args, options.input === undefined ? 'ignore' : 'pipe');
    if (options.input !== undefined) {
        // git may exit before reading everything (e.g. on a usage error); its exit code tells the story.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(options.input, 'utf8');
    }
    let stdout = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (data) => {
        stdout += data;
    });
    const { exitCode, signal, stderr } = await exited;
    if (exitCode === 0 || (exitCode !== null && options.okExitCodes?.includes(exitCode))) {
        return { stdout, stderr, exitCode };
    }
    throw new GitError(args, exitCode, stderr, { signal });
}
// -- Arguments ----------------------------------------------------------------------------------
/** A ref, tag or remote name that git would read as an option is a caller bug or an injection. */
function operand(value, what) {
    if (value === '' || value.startsWith('-')) {
        throw new Error(`expected a git ${what} that does not start with "-", got ${JSON.stringify(value)}`);
    }
    return value;
}
/** `^from to` is `from..to` without the parsing surprises of names containing dots. */
function rangeArgs(range) {
    const to = operand(range.to, 'revision');
    return range.from ? [to, `^${operand(range.from, 'revision')}`] : [to];
}
function logArgs(range, options = {}) {
    // --encoding: %B in UTF-8 whatever i18n.logOutputEncoding says; -z: NUL ends each record.
    // The trailing `--` keeps a revision from being taken for a path. --topo-order: a commit always
    // comes before its parents, even with skewed clocks, so a revert is read before what it reverts.
    const boundary = options.boundary ? ['--boundary'] : [];
    return ['log', '-z', '--topo-order', ...boundary, '--no-show-signature', '--encoding=UTF-8', LOG_FORMAT, ...rangeArgs(range), '--'];
}
function tagArgs(options = {}, format = '%(refname:strip=2)') {
    // for-each-ref rather than `git tag`: plumbing, so tag.sort and column.ui cannot change the output.
    const args = ['for-each-ref', `--format=${format}`];
    if (options.mergedInto)
        args.push(`--merged=${operand(options.mergedInto, 'revision')}`);
    if (options.pointsAt)
        args.push(`--points-at=${operand(options.pointsAt, 'revision')}`);
    args.push('refs/tags');
    return args;
}
function pushArgs(remote, refs, options = {}) {
    if (refs.length === 0)
        throw new Error('expected at least one ref to push, got none');
    return [
        'push',
        ...(options.atomic ? ['--atomic'] : []),
        operand(remote, 'remote'),
        ...refs.map((ref) => operand(ref, 'refspec')),
    ];
}
function lines(stdout) {
    return stdout.split('\n').filter((line) => line !== '');
}
// -- The real implementation ----------------------------------------------------------------------
function createGit(cwd, options = {}) {
    const gitPath = options.gitPath ?? 'git';
    const exec = (args, execOptions) => execGit(gitPath, cwd, args, execOptions);
    const output = async (args, execOptions) => (await exec(args, execOptions)).stdout.trim();
    const resolveCommit = async (ref) => {
        const { stdout, exitCode } = await exec(['rev-parse', '--verify', '--quiet', `${operand(ref, 'revision')}^{commit}`], {
            okExitCodes: [1],
        });
        return exitCode === 0 ? stdout.trim() : null;
    };
    const isShallow = async () => (await output(['rev-parse', '--is-shallow-repository'])) === 'true';
    const commitTimestamp = async (ref) => {
        const seconds = Number(await output(['show', '-s', '--format=%ct', `${operand(ref, 'revision')}^{commit}`, '--']));
        return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    };
    return {
        cwd,
        async isInsideWorkTree() {
            try {
                return (await output(['rev-parse', '--is-inside-work-tree'])) === 'true';
            }
            catch (error) {
                // Only "no repository here" is a no; "dubious ownership" and friends need a human to read them.
                if (error instanceof GitError && /not a git repository/i.test(error.stderr))
                    return false;
                throw error;
            }
        },
        topLevel: () => output(['rev-parse', '--show-toplevel']),
        isShallow,
        async deepen(remote = 'origin') {
            const shallow = await isShallow();
            await exec(['fetch', '--no-recurse-submodules', ...(shallow ? ['--unshallow'] : []), '--tags', operand(remote, 'remote')]);
        },
        resolveCommit,
        async currentBranch() {
            const { stdout, exitCode } = await exec(['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
            return exitCode === 0 ? stdout.trim() : null;
        },
        async tags(filter) {
            return lines(await output(tagArgs(filter)));
        },
        async tagCommits(filter) {
            // %(*…) is the peeled commit of an annotated tag and empty for a lightweight one.
            const format = '%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(committerdate:unix)%00%(*committerdate:unix)';
            return lines(await output(tagArgs(filter, format))).map((line) => {
                const [name = '', object = '', peeled = '', date = '', peeledDate = ''] = line.split('\0');
                const seconds = Number(peeledDate || date);
                return { name, commit: peeled || object, date: new Date(seconds * 1000).toISOString().slice(0, 10) };
            });
        },
        log(range, logOptions) {
            const args = logArgs(range, logOptions);
            return {
                [Symbol.asyncIterator]: () => streamLog(gitPath, cwd, args),
            };
        },
        async countCommits(range) {
            return Number(await output(['rev-list', '--count', ...rangeArgs(range), '--']));
        },
        commitDate: async (ref) => (await commitTimestamp(ref)).slice(0, 10),
        commitTimestamp,
        async isAncestor(ancestor, descendant) {
            const { exitCode } = await exec(['merge-base', '--is-ancestor', operand(ancestor, 'revision'), operand(descendant, 'revision')], { okExitCodes: [1] });
            return exitCode === 0;
        },
        async isDirty(dirtyOptions) {
            // Explicit --untracked-files: status.showUntrackedFiles=no must not hide new files.
            const untracked = dirtyOptions?.untracked === false ? 'no' : 'normal';
            return (await output(['status', '--porcelain', `--untracked-files=${untracked}`])) !== '';
        },
        async tagExists(name) {
            const { exitCode } = await exec(['rev-parse', '--verify', '--quiet', `refs/tags/${name}`], { okExitCodes: [1] });
            return exitCode === 0;
        },
        async remoteUrl(remote = 'origin') {
            // Exit 2 is git's "No such remote".
            const { stdout, exitCode } = await exec(['remote', 'get-url', operand(remote, 'remote')], { okExitCodes: [2] });
            return exitCode === 0 ? stdout.trim() : null;
        },
        async add(paths) {
            if (paths.length === 0)
                return;
            await exec(['add', '--', ...paths]);
        },
        async commit(message) {
            await exec(['commit', '--quiet', '--cleanup=verbatim', '--file=-'], { input: message });
            return output(['rev-parse', 'HEAD']);
        },
        async createAnnotatedTag(name, message, ref = 'HEAD') {
            await exec(['tag', '--annotate', '--cleanup=verbatim', '--file=-', operand(name, 'tag name'), operand(ref, 'revision')], {
                input: message,
            });
        },
        async push(remote, refs, pushOptions) {
            await exec(pushArgs(remote, refs, pushOptions));
        },
    };
}
async function* streamLog(gitPath, cwd, args) {
    const { child, exited } = spawnGit(gitPath, cwd, args, 'ignore');
    const stdout = child.stdout;
    if (!stdout)
        throw new Error('expected git log to have a stdout pipe');
    // A streaming decoder: a multi-byte character split between two chunks stays whole.
    stdout.setEncoding('utf8');
    let finished = false;
    try {
        try {
            yield* parseLogStream(stdout);
        }
        catch (error) {
            // A truncated record usually means git died; its exit status explains it better.
            const { exitCode, signal, stderr } = await exited;
            if (exitCode !== 0)
                throw new GitError(args, exitCode, stderr, { signal });
            throw error;
        }
        const { exitCode, signal, stderr } = await exited;
        finished = true;
        if (exitCode !== 0)
            throw new GitError(args, exitCode, stderr, { signal });
    }
    finally {
        if (!finished) {
            // The consumer stopped early (or parsing failed): git would otherwise block on a full pipe.
            stdout.destroy();
            child.kill();
            await exited.catch(() => undefined);
        }
    }
}

;// CONCATENATED MODULE: ./build/src/core/links.js
const ownerAndName = /^([\w.-]+)\/([\w.-]+)$/;
/**
 * `serverUrl` is GITHUB_SERVER_URL as the caller read it (https://github.com or the GHES address);
 * `repository` is GITHUB_REPOSITORY, "owner/name".
 */
function repoLinks(serverUrl, repository) {
    const match = ownerAndName.exec(repository.trim());
    if (!match)
        throw new Error(`Expected the repository as "owner/name", got ${JSON.stringify(repository)}`);
    const base = `${serverBase(serverUrl)}/${encodeURIComponent(match[1])}/${encodeURIComponent(match[2])}`;
    return {
        commit: (sha) => `${base}/commit/${encodeURIComponent(sha)}`,
        issue: (n) => {
            if (!Number.isSafeInteger(n) || n <= 0)
                throw new Error(`Expected a positive issue number, got ${n}`);
            return `${base}/issues/${n}`;
        },
        compare: (fromTag, toTag) => `${base}/compare/${encodeRef(fromTag)}...${encodeRef(toTag)}`,
    };
}
/**
 * "owner/name" of a git remote on the given server, or null when the remote is elsewhere or not a
 * form we know. Only owner and name leave this function: a checkout's https remote may carry a
 * token (`https://x-access-token:TOKEN@github.com/...`) and it must never reach a log or a file.
 */
function repositoryFromRemote(remoteUrl, serverUrl) {
    const server = parseServerUrl(serverUrl);
    const remote = remoteUrl.trim();
    const scpLike = /^[\w.-]+@([^/:@\s]+):\/?([^\s]+)$/.exec(remote);
    if (scpLike) {
        return sameHost(scpLike[1], server.hostname) ? repositoryFromPath(scpLike[2]) : null;
    }
    const url = URL.parse(remote);
    if (!url || url.search !== '' || url.hash !== '')
        return null;
    if (url.protocol === 'https:' || url.protocol === 'http:') {
        // Same host and port: GHES can serve https on a non-default port.
        return url.host.toLowerCase() === server.host.toLowerCase() ? repositoryFromPath(url.pathname) : null;
    }
    if (url.protocol === 'ssh:') {
        // The ssh port has nothing to do with the web server's port, so only the host name must match.
        return sameHost(url.hostname, server.hostname) ? repositoryFromPath(url.pathname) : null;
    }
    return null;
}
function repositoryFromPath(path) {
    const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
    const match = ownerAndName.exec(trimmed);
    if (!match || match[2] === '.' || match[2] === '..' || match[1] === '.' || match[1] === '..')
        return null;
    return `${match[1]}/${match[2]}`;
}
function sameHost(a, b) {
    return a.toLowerCase() === b.toLowerCase();
}
function parseServerUrl(serverUrl) {
    const url = URL.parse(serverUrl.trim());
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new Error(`Expected the server URL as http(s)://host, e.g. https://github.com, got ${JSON.stringify(serverUrl)}`);
    }
    return url;
}
/** Origin plus any path prefix, without trailing slashes and without credentials. */
function serverBase(serverUrl) {
    const url = parseServerUrl(serverUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
/** Tags may contain `/` (a path in the URL) and `+` (build metadata, which must be escaped). */
function encodeRef(ref) {
    return ref.split('/').map(encodeURIComponent).join('/');
}

;// CONCATENATED MODULE: ./build/src/flows/repository.js




/** Where links point: GITHUB_SERVER_URL (GitHub Enterprise Server too) and the repository. */
async function repositoryContext(git, env) {
    const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
    let repository = env.GITHUB_REPOSITORY || null;
    if (!repository) {
        const remote = await git.remoteUrl('origin');
        repository = remote ? repositoryFromRemote(remote, serverUrl) : null;
    }
    return { serverUrl, repository, links: repository ? repoLinks(serverUrl, repository) : null };
}
/** The git work tree at `dir`; a usage error naming `input` and the value as given when there is none. */
async function openRepository(dir, input, given = dir) {
    const isDirectory = await (0,promises_namespaceObject.stat)(dir).then((s) => s.isDirectory(), () => false);
    if (!isDirectory)
        throw new InputError(input, given, `an existing directory (${dir} is not): the git repository to release`);
    const git = createGit(dir);
    if (!(await git.isInsideWorkTree()))
        throw new InputError(input, given, `a directory inside a git work tree (${dir} is not in one)`);
    return git;
}

;// CONCATENATED MODULE: ./build/src/flows/image-context.js





/**
 * Everything a build needs from the repository: the commit, its date for the `created` label (so a
 * rebuild of one commit carries the same labels), the repository's URL and the released versions.
 */
async function imageRequest(git, env, options) {
    await ensureFullHistory(git, options.shallow, options.log);
    // The build context is the work tree, so the image is HEAD's only when no tracked file differs:
    // otherwise its revision label, which immutability and `latest` trust, would not be true.
    if (options.push && (await git.isDirty({ untracked: false }))) {
        throw new PreconditionError('tracked files differ from HEAD, so the image would not be what its revision label says', 'commit or stash the changes (git stash), then build again');
    }
    const sha = await resolveRef(git, 'HEAD', 'ref');
    const { repository, serverUrl } = await repositoryContext(git, env);
    const source = repository ? `${serverUrl.replace(/\/+$/, '')}/${repository}` : undefined;
    const released = (await git.tags())
        .map((t) => parseVersionTag(t, options.tagPrefix)?.version.version)
        .filter((v) => v !== undefined);
    return {
        image: options.settings.image,
        target: options.settings.target,
        sha,
        platforms: options.settings.platforms,
        context: (0,external_node_path_namespaceObject.resolve)(git.cwd, options.context),
        file: options.file,
        buildArgs: options.settings.buildArgs,
        buildTarget: options.buildTarget,
        secrets: options.secrets,
        push: options.push,
        floating: options.floating,
        cache: options.settings.cache,
        provenance: options.provenance,
        facts: {
            title: repository ? repository.split('/')[1] : (0,external_node_path_namespaceObject.basename)(options.settings.image.repository),
            description: options.description,
            source,
            url: source,
            created: await git.commitTimestamp(sha),
            licenses: options.licenses,
        },
        extraLabels: options.settings.labels,
        tagPrefix: options.tagPrefix,
        released,
        log: options.log,
        ...(options.names ? { names: options.names } : {}),
    };
}

;// CONCATENATED MODULE: ./build/src/core/settings.js



const defaultVersionSettings = {
    tagPrefix: 'v',
    initialVersion: '1.0.0',
    preMajor: false,
    prerelease: null,
    releaseRules: [],
};
// What git refuses in a ref name (git check-ref-format), plus whitespace. A version follows the
// prefix, so only the prefix's own components can start with a dot, be empty or end in `.lock`.
const badRefChars = /[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|(?:^|\/)\.|\/\/|\.lock\//;
const prereleaseId = /^(?!\d+$)[0-9A-Za-z-]+$/;
function versionSettings(raw, names) {
    const tagPrefix = raw.tagPrefix ?? defaultVersionSettings.tagPrefix;
    if (badRefChars.test(tagPrefix) || tagPrefix.startsWith('-') || tagPrefix.startsWith('/')) {
        throw new InputError(names.tagPrefix, tagPrefix, 'a tag prefix git accepts in a tag name, such as "v" or "synapse-v"');
    }
    const initial = raw.initialVersion?.trim() || defaultVersionSettings.initialVersion;
    const initialVersion = node_modules_semver.valid(initial);
    if (!initialVersion || node_modules_semver.prerelease(initialVersion)) {
        throw new InputError(names.initialVersion, initial, 'a stable semantic version such as 1.0.0 or 0.1.0');
    }
    const prerelease = raw.prerelease?.trim() || null;
    if (prerelease !== null && !prereleaseId.test(prerelease)) {
        throw new InputError(names.prerelease, prerelease, 'a prerelease identifier of letters, digits and hyphens, such as rc or beta');
    }
    return {
        tagPrefix,
        initialVersion,
        preMajor: raw.preMajor ?? false,
        prerelease,
        releaseRules: raw.releaseRules ? parseReleaseRules(raw.releaseRules, names.releaseRules) : [],
    };
}

;// CONCATENATED MODULE: ./build/src/cli/shared-options.js




const cwdOption = {
    cwd: { type: 'string', placeholder: 'DIR', help: 'the git repository to work in (default: the current directory)' },
};
const jsonOption = {
    json: { type: 'boolean', help: 'print one JSON object on stdout instead of text' },
};
/** The rule options of DESIGN.md, the same set as the version action's inputs. */
const versionRuleOptions = {
    'tag-prefix': { type: 'string', placeholder: 'PREFIX', help: 'prefix of release tags (default: v)' },
    'initial-version': { type: 'string', placeholder: 'X.Y.Z', help: 'version of the first release (default: 1.0.0)' },
    prerelease: { type: 'string', placeholder: 'ID', help: 'prerelease channel: the next version is <next>-ID.N' },
    'pre-major': { type: 'boolean', help: 'while the major version is 0, breaking changes bump minor' },
    'release-rules': { type: 'string', placeholder: 'RULES', help: 'extra bump rules, e.g. "build(deps)=patch, docs=none"' },
};
function settingsFromArgs(args) {
    return versionSettings({
        tagPrefix: stringValue(args, 'tag-prefix'),
        initialVersion: stringValue(args, 'initial-version'),
        prerelease: stringValue(args, 'prerelease'),
        preMajor: flag(args, 'pre-major'),
        releaseRules: stringValue(args, 'release-rules'),
    }, {
        tagPrefix: '--tag-prefix',
        initialVersion: '--initial-version',
        prerelease: '--prerelease',
        preMajor: '--pre-major',
        releaseRules: '--release-rules',
    });
}
/** The repository named by --cwd (or the current directory); a usage error when it is not one. */
function repositoryFromArgs(args, io) {
    const given = stringValue(args, 'cwd') ?? '.';
    return openRepository((0,external_node_path_namespaceObject.resolve)(io.cwd, given), '--cwd', given);
}

;// CONCATENATED MODULE: ./build/src/cli/commands/image.js











const imageCommand = {
    name: 'image',
    summary: 'Build the multi-arch image and publish it: immutable version tags, a latest that only moves forward.',
    usage: 'release-flow image --image NAME (--version X.Y.Z | --main) [--platforms …] [--context DIR] [--file F] [--push] [--json]',
    options: {
        image: { type: 'string', placeholder: 'NAME', help: 'the image, e.g. ghcr.io/owner/synapse (no tag)' },
        version: { type: 'string', placeholder: 'X.Y.Z', help: 'a release: pushes the immutable vX.Y.Z' },
        main: { type: 'boolean', help: 'a build of main: pushes sha-<7> and moves latest forward' },
        platforms: { type: 'string', placeholder: 'LIST', help: 'default linux/amd64,linux/arm64' },
        context: { type: 'string', placeholder: 'DIR', help: 'build context, relative to the repository (default .)' },
        file: { type: 'string', placeholder: 'F', help: 'Dockerfile, relative to the context (default Dockerfile)' },
        target: { type: 'string', placeholder: 'STAGE', help: 'build stage' },
        'build-arg': { type: 'string', multiple: true, placeholder: 'K=V', help: 'build argument (repeatable)' },
        secret: { type: 'string', multiple: true, placeholder: 'id=ID,env=VAR|src=FILE', help: 'build secret from an environment variable or a file (repeatable); never a build arg' },
        label: { type: 'string', multiple: true, placeholder: 'K=V', help: 'extra label (repeatable)' },
        push: { type: 'boolean', help: 'push to the registry (default: build and load locally)' },
        floating: { type: 'boolean', help: 'also move vX.Y and vX (stable releases only, to the highest of their line)' },
        cache: { type: 'string', placeholder: 'MODE', help: 'registry (default: <image>:buildcache, mode=max), gha or none' },
        provenance: { type: 'boolean', help: 'attach provenance attestations (off: unknown/unknown entries confuse older engines)' },
        'tag-prefix': { type: 'string', placeholder: 'PREFIX', help: 'prefix of release tags (default: v)' },
        ...jsonOption,
        ...cwdOption,
    },
    async run(args, io) {
        const settings = imageSettings({
            image: stringValue(args, 'image'),
            version: stringValue(args, 'version'),
            main: flag(args, 'main'),
            platforms: stringValue(args, 'platforms'),
            cache: stringValue(args, 'cache'),
            buildArgs: list(args, 'build-arg'),
            labels: list(args, 'label'),
        }, { image: '--image', version: '--version', main: '--main', platforms: '--platforms', cache: '--cache', buildArgs: '--build-arg', labels: '--label' });
        const secrets = Object.fromEntries(list(args, 'secret').map((spec) => cliSecret(spec, io)));
        const git = await repositoryFromArgs(args, io);
        const log = (line) => io.stderr(`${line}\n`);
        const request = await imageRequest(git, io.env, {
            settings,
            shallow: 'fail',
            context: stringValue(args, 'context') ?? '.',
            file: stringValue(args, 'file'),
            buildTarget: stringValue(args, 'target'),
            secrets,
            push: flag(args, 'push'),
            floating: flag(args, 'floating'),
            provenance: flag(args, 'provenance'),
            tagPrefix: stringValue(args, 'tag-prefix') ?? 'v',
            log,
            names: { context: '--context', file: '--file' },
        });
        const outcome = await publishImage(createDocker(), createRegistryClient({ credentials: dockerConfigCredentials(), log }), git, request);
        if (flag(args, 'json')) {
            io.stdout(JSON.stringify(outcome) + '\n');
        }
        else {
            const lines = [
                outcome.existing ? `${settings.image.name}: already published from this commit (nothing built).` : `${settings.image.name}: ${outcome.pushed ? 'pushed' : 'built locally'}.`,
                ...(outcome.digest ? [`digest ${outcome.digest}`] : []),
                ...outcome.tags.map((t) => `  ${settings.image.name}:${t}`),
                ...outcome.held.map((h) => `  ${h.tag} not moved: ${h.reason}`),
            ];
            io.stdout(lines.join('\n') + '\n');
        }
        return 0;
    },
};
function list(args, name) {
    const value = args.values[name];
    return Array.isArray(value) ? value.map(String) : [];
}
/** `id=npm,env=NPM_TOKEN` or `id=npm,src=./token`, as buildx takes them; the value is read here. */
function cliSecret(spec, io) {
    const fields = Object.fromEntries(spec.split(',').map((part) => part.split('=', 2)));
    const id = fields.id;
    if (!id || (fields.env === undefined) === (fields.src === undefined)) {
        throw new InputError('--secret', spec, 'id=ID,env=VARIABLE or id=ID,src=FILE');
    }
    if (fields.env !== undefined) {
        const value = io.env[fields.env];
        if (value === undefined)
            throw new InputError('--secret', spec, `an environment variable ${fields.env} that is set`);
        return [id, value];
    }
    try {
        return [id, (0,external_node_fs_namespaceObject.readFileSync)((0,external_node_path_namespaceObject.resolve)(io.cwd, fields.src), 'utf8')];
    }
    catch {
        throw new InputError('--secret', spec, `a readable file ${fields.src}`);
    }
}

;// CONCATENATED MODULE: ./build/src/core/notes.js

const breakingSectionTitle = '⚠ Breaking changes';
/** Shown after the breaking changes, in this order; every other type is hidden unless configured. */
const defaultNotesSections = [
    { title: 'Features', types: ['feat'] },
    { title: 'Bug fixes', types: ['fix'] },
    { title: 'Performance', types: ['perf'] },
    { title: 'Reverts', types: ['revert'] },
];
/** One version's section of the release notes, ending with exactly one newline. */
function renderNotes(input) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date)) {
        throw new Error(`Expected the release date as YYYY-MM-DD, got ${JSON.stringify(input.date)}`);
    }
    const sections = sectionsFor(input.options);
    const sectionOfType = new Map();
    sections.forEach((section, index) => {
        for (const type of section.types)
            if (!sectionOfType.has(type))
                sectionOfType.set(type, index);
    });
    const breaking = [];
    const entries = sections.map(() => []);
    for (const commit of input.commits) {
        // A merge's own header says "Merge pull request…"; the commits it merged are in the list already.
        if (commit.merge)
            continue;
        // git's own `Revert "…"` header is not conventional, but it is still a revert worth listing.
        const type = commit.reverts !== null ? 'revert' : commit.type;
        if (type === null)
            continue;
        if (commit.breaking) {
            breaking.push(breakingEntry(commit, input.links));
            continue;
        }
        const index = sectionOfType.get(type);
        if (index !== undefined)
            entries[index].push(entry(commit, input.links));
    }
    const blocks = [heading(input)];
    if (breaking.length > 0)
        blocks.push(`### ${breakingSectionTitle}`, breaking.join('\n'));
    sections.forEach((section, index) => {
        const list = entries[index];
        if (list.length > 0)
            blocks.push(`### ${section.title}`, list.join('\n'));
    });
    if (blocks.length === 1)
        blocks.push('_No user-facing changes._');
    return `${blocks.join('\n\n')}\n`;
}
/**
 * Parses `docs=Documentation, refactor=Refactoring` (commas or newlines between entries) into
 * sections; types given the same title share one section, in the order the titles first appear.
 */
function parseShownTypes(text, input = 'shown-types') {
    const sections = [];
    for (const item of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
        const m = /^([\w-]+)\s*=\s*(\S.*)$/.exec(item);
        if (!m)
            throw new InputError(input, item, 'entries of the form "type=Section title", e.g. "docs=Documentation, refactor=Refactoring"');
        const type = m[1].toLowerCase();
        const title = m[2].trim();
        const existing = sections.find((section) => section.title === title);
        if (!existing)
            sections.push({ title, types: [type] });
        else if (!existing.types.includes(type))
            existing.types.push(type);
    }
    return sections;
}
function sectionsFor(options) {
    const sections = (options?.sections ?? defaultNotesSections).map((s) => ({ title: s.title, types: s.types.map(lower) }));
    for (const shown of options?.shownTypes ?? []) {
        const same = sections.find((section) => section.title === shown.title);
        if (same)
            same.types.push(...shown.types.map(lower));
        else
            sections.push({ title: shown.title, types: shown.types.map(lower) });
    }
    return sections;
}
function lower(type) {
    return type.toLowerCase();
}
function heading(input) {
    const version = input.links && input.previousTag !== null
        ? `[${input.version}](${input.links.compare(input.previousTag, input.tag)})`
        : input.version;
    return `## ${version} (${input.date})`;
}
function entry(commit, links) {
    const scope = commit.scope ? `**${oneLine(commit.scope)}:** ` : '';
    const short = commit.sha.slice(0, 7);
    const sha = links ? `[${short}](${links.commit(commit.sha)})` : short;
    return `* ${scope}${linkIssues(oneLine(commit.subject), links)} (${sha})`;
}
/**
 * The footer texts go under the entry as a block quote, indented by two spaces so that it belongs
 * to the list item; several footers share one quote, separated by an empty quote line.
 */
function breakingEntry(commit, links) {
    const notes = commit.breakingNotes.map((note) => note.trim()).filter(Boolean);
    if (notes.length === 0)
        return entry(commit, links);
    const quoted = notes
        .join('\n\n')
        .split(/\r\n|\r|\n/)
        .map((line) => {
        const text = linkIssues(line.trimEnd(), links);
        return text === '' ? '  >' : `  > ${text}`;
    });
    return [entry(commit, links), ...quoted].join('\n');
}
/** A subject is one list item: a stray line break would end the item or start a new block. */
function oneLine(text) {
    return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
// Markdown links, inline code and bare URLs are matched first and kept as they are, so that a
// `#123` already inside one (`[#123](…)`, `https://…/#12`) is not linked a second time.
const issueOrSkipped = /\[[^\]\n]*\]\([^)\n]*\)|`[^`\n]*`|<?\bhttps?:\/\/[^\s>]+>?|(?<![\w&#/])#(\d+)\b/g;
function linkIssues(text, links) {
    if (!links)
        return text;
    return text.replace(issueOrSkipped, (match, issue) => {
        if (issue === undefined)
            return match;
        const n = Number(issue);
        return Number.isSafeInteger(n) && n > 0 ? `[#${issue}](${links.issue(n)})` : match;
    });
}

;// CONCATENATED MODULE: ./build/src/core/version.js


/** Which level `to` is over `from`: `1.2.3 → 1.3.0-rc.1` is minor. */
function bumpBetween(from, to) {
    if (from === null)
        return 'major';
    switch (node_modules_semver.diff(from, to)) {
        case 'major':
        case 'premajor':
            return 'major';
        case 'minor':
        case 'preminor':
            return 'minor';
        case 'patch':
        case 'prepatch':
        case 'prerelease':
            return 'patch';
        default:
            return 'none';
    }
}
/** The bump the commits require once pre-1.0 mode is applied. */
function effectiveBump(previous, bump, preMajor) {
    if (preMajor && bump === 'major' && previous !== null && node_modules_semver.major(previous) === 0)
        return 'minor';
    return bump;
}
/** The next version, or null when nothing calls for a release. */
function nextVersion(input) {
    const { previous, rules } = input;
    if (input.releaseAs !== null)
        return forcedVersion(previous, input.releaseAs);
    if (input.bump === 'none')
        return null;
    const bump = effectiveBump(previous, input.bump, rules.preMajor);
    const base = previous === null ? rules.initialVersion : node_modules_semver.inc(previous, bump);
    if (rules.prerelease === null)
        return { version: base, bump };
    const taken = input.existingPrereleaseNumbers?.(base) ?? [];
    const n = taken.length ? Math.max(...taken) + 1 : 1;
    return { version: `${base}-${rules.prerelease}.${n}`, bump };
}
function forcedVersion(previous, releaseAs) {
    const input = `Release-As footer of commit ${releaseAs.sha.slice(0, 7)}`;
    const version = node_modules_semver.valid(releaseAs.value);
    if (!version)
        throw new InputError(input, releaseAs.value, 'a semantic version such as 2.0.0');
    if (previous !== null && !node_modules_semver.gt(version, previous)) {
        throw new InputError(input, releaseAs.value, `a version greater than the last release ${previous}`);
    }
    return { version, bump: bumpBetween(previous, version) };
}
/** The parts of a version for workflow outputs: `1.3.0-rc.2` → 1, 3, 0, `rc.2`. */
function versionParts(version) {
    const parsed = semver.parse(version);
    if (!parsed)
        throw new Error(`expected a semantic version, got ${JSON.stringify(version)}`);
    return { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.join('.') };
}

;// CONCATENATED MODULE: ./build/src/flows/version.js




/** The next version for `ref` (HEAD by default) from the commits since the last release. */
async function computeVersion(git, options) {
    const { settings } = options;
    await ensureFullHistory(git, options.shallow, options.log ?? (() => { }));
    const range = await describeRange(git, { settings, to: options.ref ?? 'HEAD', collect: options.collect ?? false });
    const previousVersion = range.previous?.version.version ?? null;
    const { analysis } = range;
    const allTags = settings.prerelease ? await git.tags() : [];
    const next = nextVersion({
        previous: previousVersion,
        bump: analysis.bump,
        releaseAs: analysis.releaseAs,
        rules: settings,
        existingPrereleaseNumbers: (base) => prereleaseNumbers(allTags, settings.tagPrefix, base, settings.prerelease),
    });
    return {
        previousVersion,
        previousTag: range.previous?.tag ?? null,
        version: next?.version ?? null,
        tag: next ? `${settings.tagPrefix}${next.version}` : null,
        bump: next?.bump ?? 'none',
        released: next !== null,
        commits: analysis.commits,
        head: range.head,
        reasons: analysis.reasons,
        counts: analysis.counts,
        included: analysis.included,
        releaseAs: node_modules_semver.valid(analysis.releaseAs?.value ?? '') ?? null,
    };
}
/** Exactly the JSON object of DESIGN.md's `version --json`. */
function versionJson(result) {
    const { previousVersion, previousTag, version, tag, bump, released, commits } = result;
    return { previousVersion, previousTag, version, tag, bump, released, commits };
}

;// CONCATENATED MODULE: ./build/src/flows/notes.js






const isoDate = (date) => date.toISOString().slice(0, 10);
function render(release, commits, context) {
    const markdown = renderNotes({ ...release, commits, links: context.links, ...(context.notes ? { options: context.notes } : {}) });
    return { ...release, markdown };
}
/** Notes of a computed next version (computed with `collect`), dated today. */
function notesForVersion(result, context) {
    if (!result.version || !result.tag)
        return null;
    const release = { version: result.version, tag: result.tag, previousTag: result.previousTag, date: isoDate(context.today) };
    return render(release, result.included, context);
}
/**
 * Notes of one release tag. When the tag exists they cover the commits since the release before it
 * and carry the date of the tagged commit; when it does not exist yet they are the notes of `ref`
 * (HEAD) released as that tag, dated today.
 */
async function notesForTag(git, tag, context) {
    const { settings } = context;
    const parsed = parseVersionTag(tag, settings.tagPrefix);
    if (!parsed)
        throw new InputError('tag', tag, `a release tag of the form ${settings.tagPrefix}X.Y.Z`);
    await ensureFullHistory(git, context.shallow, context.log ?? (() => { }));
    const exists = await git.tagExists(tag);
    const to = exists ? `refs/tags/${tag}` : (context.ref ?? 'HEAD');
    const range = await describeRange(git, { settings, to, excludeTag: tag, collect: true });
    const date = exists ? await git.commitDate(to) : isoDate(context.today);
    const release = { version: parsed.version.version, tag, previousTag: range.previous?.tag ?? null, date };
    return render(release, range.analysis.included, context);
}
/**
 * Notes as the CLI's `notes` asks: `to` defaults to HEAD. A release tag as `to` gives that release's
 * notes; any other `to` gives the notes of the next version computed for it. `from` overrides where
 * the range starts.
 */
async function notesForRange(git, range, context) {
    const { settings } = context;
    const to = range.to ?? 'HEAD';
    const toTag = parseVersionTag(to, settings.tagPrefix) && (await git.tagExists(to)) ? to : null;
    if (!range.from) {
        if (toTag)
            return notesForTag(git, toTag, context);
        const result = await computeVersion(git, { settings, ref: to, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) });
        return notesForVersion(result, context);
    }
    await ensureFullHistory(git, context.shallow, context.log ?? (() => { }));
    const described = await describeRange(git, { settings, to, from: range.from, collect: true });
    const release = {
        version: toTag ? parseVersionTag(toTag, settings.tagPrefix).version.version : 'Unreleased',
        tag: toTag ?? to,
        previousTag: described.previous?.tag ?? null,
        date: toTag ? await git.commitDate(to) : isoDate(context.today),
    };
    return render(release, described.analysis.included, context);
}
/**
 * The notes of every release tag reachable from `to`, newest first: what `notes --all` prints to
 * backfill a release-notes.md. One listing of the tags, then one streamed range per release, a few
 * at a time, so a long history costs about one pass over it.
 */
async function notesForAllTags(git, context) {
    const { settings } = context;
    await ensureFullHistory(git, context.shallow, context.log ?? (() => { }));
    const head = await git.resolveCommit(context.to ?? 'HEAD');
    if (!head)
        throw new InputError('to', context.to, 'a commit, branch or tag that exists in this repository');
    const releases = (await git.tagCommits({ mergedInto: head }))
        .map((t) => ({ ...t, parsed: parseVersionTag(t.name, settings.tagPrefix) }))
        .filter((t) => t.parsed !== null)
        .sort((a, b) => a.parsed.version.compare(b.parsed.version));
    const stable = releases.filter((t) => t.parsed.version.prerelease.length === 0);
    const jobs = releases.map((release) => async () => {
        const { previous, analysis } = await sincePreviousRelease(git, stable, release, settings);
        const notes = { version: release.parsed.version.version, tag: release.name, previousTag: previous?.name ?? null, date: release.date };
        return render(notes, analysis.included, context);
    });
    const rendered = await runLimited(jobs, context.concurrency ?? 4);
    return rendered.reverse();
}
/**
 * The commits since the highest stable release below `release` that it contains, as for a single
 * tag. Candidates are tried from the highest down and each range proves its own start (see
 * analyzeRange), so in a linear history this is one git log per release; a backport on another
 * branch (v1.1.1 beside v2.0.0) is passed over because v2.0.0 does not contain it.
 */
async function sincePreviousRelease(git, stable, release, settings) {
    const analyzer = () => new CommitAnalyzer({ rules: settings.releaseRules, collect: true });
    for (let i = stable.length - 1; i >= 0; i--) {
        const candidate = stable[i];
        if (candidate.parsed.version.compare(release.parsed.version) >= 0)
            continue;
        if (candidate.commit === release.commit)
            return { previous: candidate, analysis: analyzer().finish() };
        const attempt = await analyzeRange(git, { from: candidate.commit, to: release.commit }, analyzer(), candidate.commit);
        if (attempt.reachedStart)
            return { previous: candidate, analysis: attempt.analysis };
    }
    return { previous: null, analysis: (await analyzeRange(git, { from: null, to: release.commit }, analyzer())).analysis };
}
async function runLimited(jobs, limit) {
    const results = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
        while (next < jobs.length) {
            const index = next++;
            results[index] = await jobs[index]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
    return results;
}

;// CONCATENATED MODULE: ./build/src/core/notes-file.js

const defaultNotesHeader = '# Release notes\n\n';
const semverText = String.raw `(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?`;
// `## [1.3.0](…) (date)` with links, `## 1.3.0 (date)` without; a `v` prefix is tolerated because
// hand-written files often carry the tag rather than the version.
const versionHeading = new RegExp(String.raw `^## (?:\[v?(${semverText})\]\(|v?(${semverText})(?:[ \t]|$))`);
/**
 * Puts one version's section into the notes file: replaces the section of that version in place, or
 * inserts it newest first by semver. Everything else is kept byte for byte, line endings included,
 * so the file's history only shows the section that changed.
 */
function upsertNotesSection(existing, section, version, options = {}) {
    const target = bareVersion(version);
    const text = existing === null || existing.trim() === '' ? (options.defaultHeader ?? defaultNotesHeader) : existing;
    const eol = lineEnding(text);
    const body = normalizedSection(section, target, eol);
    const lines = splitLines(text);
    const headings = versionHeadings(lines);
    const same = headings.findIndex((h) => h.version === target);
    if (same >= 0) {
        const start = headings[same].line;
        const end = headings[same + 1]?.line ?? lines.length;
        return joinSections(lines.slice(0, start).join(''), body, lines.slice(end).join(''), eol);
    }
    const lower = headings.find((h) => node_modules_semver.compareBuild(h.version, target) < 0);
    if (lower) {
        return joinSections(lines.slice(0, lower.line).join(''), body, lines.slice(lower.line).join(''), eol);
    }
    return joinSections(text, body, '', eol);
}
/** The section of `version` as it is in the file, without trailing blank lines; null when absent. */
function readNotesSection(fileText, version) {
    const target = bareVersion(version);
    const lines = splitLines(fileText);
    const headings = versionHeadings(lines);
    const index = headings.findIndex((h) => h.version === target);
    if (index < 0)
        return null;
    const end = headings[index + 1]?.line ?? lines.length;
    const text = lines.slice(headings[index].line, end).join('');
    return text.replace(/\s+$/, '') + lineEnding(fileText);
}
function versionHeadings(lines) {
    const headings = [];
    lines.forEach((line, index) => {
        const m = versionHeading.exec(line);
        const version = m?.[1] ?? m?.[2];
        // The pattern lets through what semver rejects, e.g. the leading zero in 1.0.0-01.
        if (version !== undefined && node_modules_semver.parse(version) !== null)
            headings.push({ line: index, version });
    });
    return headings;
}
function bareVersion(version) {
    const bare = version.trim().replace(/^v/, '');
    if (!new RegExp(`^${semverText}$`).test(bare) || node_modules_semver.parse(bare) === null) {
        throw new Error(`Expected a semantic version such as 1.2.3 (optionally v1.2.3), got ${JSON.stringify(version)}`);
    }
    return bare;
}
/** The rendered section in the file's line endings, ending with exactly one line ending. */
function normalizedSection(section, version, eol) {
    const lines = section
        .replace(/\r\n?/g, '\n')
        .replace(/^(?:[ \t]*\n)+/, '')
        .replace(/\s+$/, '')
        .split('\n');
    const first = lines[0] ?? '';
    const m = versionHeading.exec(first);
    if ((m?.[1] ?? m?.[2]) !== version) {
        // Otherwise the next run could not find it again and would add it a second time.
        throw new Error(`Expected the section to start with a "## ${version}" or "## [${version}](…)" heading, got ${JSON.stringify(first)}`);
    }
    return lines.join(eol) + eol;
}
/**
 * Exactly one blank line between the text before and the section, and between the section and what
 * follows. Only line endings are ever added to `before`, never removed, so its bytes stay as written.
 */
function joinSections(before, body, after, eol) {
    let head = before;
    if (head !== '') {
        if (!/\n$/.test(head))
            head += eol;
        if (!/(?:^|\n)[ \t]*\r?\n$/.test(head))
            head += eol;
    }
    return after === '' ? head + body : head + body + eol + after;
}
/** CRLF when the file's first line ends that way; a file is assumed to be consistent. */
function lineEnding(text) {
    const newline = text.indexOf('\n');
    return newline > 0 && text[newline - 1] === '\r' ? '\r\n' : '\n';
}
/** Lines with their endings attached, so that joining them gives back the exact text. */
function splitLines(text) {
    return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

;// CONCATENATED MODULE: ./build/src/flows/notes-file.js



/** Puts a version's section into the notes file (created when missing); returns the new text. */
async function writeNotesFile(path, section, version) {
    const existing = await (0,promises_namespaceObject.readFile)(path, 'utf8').catch((error) => {
        if (error.code === 'ENOENT')
            return null;
        throw error;
    });
    const updated = upsertNotesSection(existing, section, version);
    if (updated !== existing) {
        await (0,promises_namespaceObject.mkdir)((0,external_node_path_namespaceObject.dirname)(path), { recursive: true });
        await (0,promises_namespaceObject.writeFile)(path, updated);
    }
    return updated;
}

;// CONCATENATED MODULE: ./build/src/cli/notes-options.js


const notesOptions = {
    'show-types': { type: 'string', placeholder: 'TYPES', help: 'also list these hidden types, e.g. "docs=Documentation, refactor=Refactoring"' },
};
function notesOptionsFromArgs(args) {
    const shown = stringValue(args, 'show-types');
    return shown ? { shownTypes: parseShownTypes(shown, '--show-types') } : undefined;
}

;// CONCATENATED MODULE: ./build/src/cli/commands/notes.js









const notesCommand = {
    name: 'notes',
    summary: 'Print the release notes of a range, a release tag or every release; optionally write them into release-notes.md.',
    usage: 'release-flow notes [--from REF] [--to REF] [--all] [--write FILE] [--json] [--cwd DIR] [--tag-prefix v] [--show-types TYPES]',
    options: {
        from: { type: 'string', placeholder: 'REF', help: 'start of the range, exclusive (default: the last release before --to)' },
        to: { type: 'string', placeholder: 'REF', help: 'end of the range (default: HEAD); a release tag gives that release\'s notes' },
        all: { type: 'boolean', help: 'the notes of every release tag reachable from --to, newest first' },
        write: { type: 'string', placeholder: 'FILE', help: 'put the section(s) into FILE (relative to --cwd, e.g. release-notes.md), in place, newest first' },
        ...jsonOption,
        ...cwdOption,
        ...versionRuleOptions,
        ...notesOptions,
    },
    async run(args, io) {
        const settings = settingsFromArgs(args);
        const notes = notesOptionsFromArgs(args);
        if (flag(args, 'all') && stringValue(args, 'from')) {
            throw new InputError('--from', stringValue(args, 'from'), 'no --from with --all: every release starts at the release before it');
        }
        const git = await repositoryFromArgs(args, io);
        const { links } = await repositoryContext(git, io.env);
        const context = { settings, links, notes, shallow: 'fail', today: io.now() };
        const to = stringValue(args, 'to');
        const sections = flag(args, 'all')
            ? await notesForAllTags(git, { ...context, ...(to ? { to } : {}) })
            : [await notesForRange(git, { from: stringValue(args, 'from'), to }, context)].filter((n) => n !== null);
        const file = stringValue(args, 'write');
        const unreleased = sections.find((s) => !parseVersionTag(s.tag, settings.tagPrefix));
        if (file && unreleased) {
            throw new InputError('--write', file, 'a range that ends at a release tag (--to vX.Y.Z): an unreleased range has no version to file its section under');
        }
        if (file) {
            const path = (0,external_node_path_namespaceObject.resolve)(git.cwd, file);
            // Oldest first, so that each insertion lands above the previous one, as releases happen.
            for (const section of [...sections].reverse())
                await writeNotesFile(path, section.markdown, section.version);
            io.stderr(`Wrote ${sections.length} section(s) into ${path}\n`);
        }
        if (flag(args, 'json')) {
            io.stdout(JSON.stringify({ releases: sections.map(({ version, tag, previousTag, date, markdown }) => ({ version, tag, previousTag, date, notes: markdown })), file: file ?? null }) + '\n');
        }
        else if (!file) {
            io.stdout(sections.length ? sections.map((s) => s.markdown).join('\n') : 'No release notes: nothing releasable in the range.\n');
        }
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/core/release-flags.js


/**
 * Decides how a GitHub Release for `version` is flagged. A stable release becomes "Latest" only
 * when no stable tag with the same prefix is newer, so that a patch to an old line (1.4.8 after
 * 2.0.0 exists) does not take "Latest" away from the newest line.
 */
function releaseFlags(version, existingTags, prefix) {
    const parsed = parseVersionTag(version, '')?.version ?? null;
    if (parsed === null) {
        throw new Error(`Expected a semantic version without prefix, such as 1.2.3 or 1.3.0-rc.1, got "${version}"`);
    }
    if (parsed.prerelease.length > 0)
        return { prerelease: true, makeLatest: false };
    const highest = highestVersionTag(existingTags, prefix);
    const newerStableExists = highest !== null && node_modules_semver.gt(highest.version, parsed);
    return { prerelease: false, makeLatest: !newerStableExists };
}

;// CONCATENATED MODULE: ./build/src/flows/plan.js



/** Both triggers of DESIGN.md, previewed for the repository as it is now. Changes nothing. */
async function plan(git, context) {
    const mainPush = await computeVersion(git, { settings: context.settings, shallow: context.shallow, collect: true, ...(context.log ? { log: context.log } : {}) });
    const branch = await git.currentBranch();
    const notes = notesForVersion(mainPush, context);
    if (!notes || !mainPush.version)
        return { branch, mainPush, tagPush: null };
    const flags = releaseFlags(mainPush.version, await git.tags(), context.settings.tagPrefix);
    return { branch, mainPush, tagPush: { tag: notes.tag, version: notes.version, notes, ...flags } };
}

;// CONCATENATED MODULE: ./build/src/cli/format.js
const format_short = (sha) => sha.slice(0, 7);
function formatReasons(reasons, indent = '  ') {
    return reasons.map((r) => `${indent}${r.bump.padEnd(5)} ${format_short(r.sha)} ${r.header}`);
}
/** One glance: the version, why, and from where. */
function formatVersion(result) {
    const since = result.previousTag ? `since ${result.previousTag}` : 'in the whole history (no release tag yet)';
    const commits = `${result.commits} commit${result.commits === 1 ? '' : 's'} ${since}`;
    if (!result.released) {
        return `No release: nothing releasable in ${commits}.\n`;
    }
    const lines = [`${result.tag}  (${result.bump}; previous: ${result.previousTag ?? 'none'}; ${commits})`];
    if (result.reasons.length) {
        lines.push(`Bumped ${result.bump} by:`);
        lines.push(...formatReasons(result.reasons));
        const more = result.counts[result.bump] - result.reasons.length;
        if (more > 0)
            lines.push(`  … and ${more} more`);
    }
    return lines.join('\n') + '\n';
}

;// CONCATENATED MODULE: ./build/src/cli/commands/plan.js







const indent = (text) => text.trimEnd().split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
const planCommand = {
    name: 'plan',
    summary: 'Show what a push to main and a release tag push would do now: version, why, and the notes.',
    usage: 'release-flow plan [--json] [--cwd DIR] [--tag-prefix v] [--prerelease ID] [--pre-major] [--release-rules RULES]',
    options: { ...jsonOption, ...cwdOption, ...versionRuleOptions, ...notesOptions },
    async run(args, io) {
        const settings = settingsFromArgs(args);
        const git = await repositoryFromArgs(args, io);
        const { links, repository } = await repositoryContext(git, io.env);
        const result = await plan(git, { settings, links, notes: notesOptionsFromArgs(args), shallow: 'fail', today: io.now() });
        const { mainPush, tagPush } = result;
        if (flag(args, 'json')) {
            const tag = tagPush && { tag: tagPush.tag, version: tagPush.version, prerelease: tagPush.prerelease, makeLatest: tagPush.makeLatest, notes: tagPush.notes.markdown };
            io.stdout(JSON.stringify({ repository, branch: result.branch, head: mainPush.head, mainPush: { ...versionJson(mainPush), reasons: mainPush.reasons }, tagPush: tag }) + '\n');
            return 0;
        }
        const lines = [
            `${repository ?? git.cwd} on ${result.branch ?? 'a detached HEAD'} at ${mainPush.head.slice(0, 7)}`,
            '',
            'Push to main now:',
            indent(formatVersion(mainPush)),
            '',
        ];
        if (tagPush) {
            lines.push(`Tag push now (release-flow release --push, or git tag ${tagPush.tag} && git push origin ${tagPush.tag}):`, `    the tag passes its check; GitHub Release ${tagPush.tag}${tagPush.prerelease ? ' (prerelease)' : ''}${tagPush.makeLatest ? ' (latest)' : ''} with these notes:`, '', indent(tagPush.notes.markdown));
        }
        else {
            lines.push('Tag push now: nothing to release, so no release tag to push.');
        }
        io.stdout(lines.join('\n') + '\n');
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/core/tag-check.js




/** Checks a pushed tag against the commits it releases; null when it is right. */
function checkPushedTag(input) {
    const parsed = parseVersionTag(input.tag, input.prefix);
    if (!parsed) {
        return {
            kind: 'invalid',
            message: `tag ${input.tag} is not a release tag: expected ${input.prefix}X.Y.Z (for example ${input.prefix}1.2.3)`,
        };
    }
    const version = parsed.version.version;
    const { previous } = input;
    if (previous === null)
        return null;
    if (!node_modules_semver.gt(version, previous)) {
        return {
            kind: 'not-greater',
            message: `tag ${input.tag} is not greater than the last release ${input.prefix}${previous}`,
        };
    }
    if (input.forced) {
        if (node_modules_semver.gte(version, input.forced))
            return null;
        return {
            kind: 'under-bump',
            message: `tag ${input.tag} is below the version a Release-As footer forces: expected at least ${input.prefix}${input.forced}`,
        };
    }
    const required = effectiveBump(previous, input.required, input.preMajor);
    const actual = bumpBetween(previous, version);
    if (compareBumps(actual, required) < 0) {
        const expected = node_modules_semver.inc(previous, required);
        return {
            kind: 'under-bump',
            message: `tag ${input.tag} is a ${actual} release, but the commits since ${input.prefix}${previous} require ${required}: expected at least ${input.prefix}${expected}`,
        };
    }
    return null;
}

;// CONCATENATED MODULE: ./build/src/flows/release.js








/**
 * Cuts a release locally: version, notes file, `chore(release)` commit and annotated tag, pushed
 * atomically (branch and tag together, or neither) only when asked. Every refusal happens before
 * the first change.
 */
async function cutRelease(git, options) {
    const branch = await git.currentBranch();
    if (branch === null)
        throw new PreconditionError('HEAD is detached: a release commit needs a branch', 'git switch main');
    if (await git.isDirty()) {
        throw new PreconditionError('the working tree has uncommitted changes, which the release commit would not contain', 'commit them, or git stash --include-untracked');
    }
    const root = await git.topLevel();
    const path = (0,external_node_path_namespaceObject.resolve)(root, options.file);
    if ((0,external_node_path_namespaceObject.relative)(root, path).startsWith('..') || (0,external_node_path_namespaceObject.isAbsolute)((0,external_node_path_namespaceObject.relative)(root, path))) {
        throw new InputError('--file', options.file, `a path inside the repository ${root}, such as release-notes.md`);
    }
    const computed = await computeVersion(git, { settings: options.settings, shallow: 'fail', collect: true, log: options.log });
    const result = options.as ? { ...computed, ...release_forcedVersion(options.as, computed, options.settings) } : computed;
    if (!result.released || !result.version || !result.tag) {
        throw new PreconditionError(`nothing to release: no feat, fix, perf, revert or breaking commit in ${result.commits} commit(s) since ${result.previousTag ?? 'the start of history'}`, 'commit a releasable change, or force a version with --as X.Y.Z');
    }
    if (await git.tagExists(result.tag)) {
        throw new PreconditionError(`tag ${result.tag} already exists`, `choose another version with --as, or delete the tag if it was a mistake: git tag -d ${result.tag}`);
    }
    const notes = notesForVersion(result, options);
    const commitMessage = `chore(release): ${result.tag}`;
    const outcome = {
        version: result.version,
        tag: result.tag,
        previousTag: result.previousTag,
        bump: result.bump,
        branch,
        commitMessage,
        notes,
        file: options.file,
        commit: null,
        pushed: false,
        dryRun: options.dryRun,
    };
    if (options.dryRun)
        return outcome;
    options.log(`Writing the ${result.tag} section of ${(0,external_node_path_namespaceObject.relative)(root, path)}`);
    await writeNotesFile(path, notes.markdown, result.version);
    await git.add([path]);
    outcome.commit = await git.commit(commitMessage);
    await git.createAnnotatedTag(result.tag, `Release ${result.tag}\n\n${notes.markdown}`);
    options.log(`Committed ${commitMessage} (${outcome.commit.slice(0, 7)}) and tagged ${result.tag}`);
    if (options.push) {
        options.log(`Pushing ${branch} and ${result.tag} to ${options.remote} (atomic)`);
        try {
            await git.push(options.remote, [`refs/heads/${branch}`, `refs/tags/${result.tag}`], { atomic: true });
        }
        catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new Error(`${reason}\nThe release commit and tag exist locally; nothing was pushed. Retry with: git push --atomic ${options.remote} ${branch} ${result.tag}`);
        }
        outcome.pushed = true;
    }
    return outcome;
}
/** `--as`: any version the tag check will accept, so the tag pipeline does not reject the release. */
function release_forcedVersion(as, computed, settings) {
    const version = node_modules_semver.valid(as);
    const previous = computed.previousVersion;
    if (!version)
        throw new InputError('--as', as, 'a semantic version such as 1.4.0');
    const tag = `${settings.tagPrefix}${version}`;
    const problem = checkPushedTag({
        tag,
        prefix: settings.tagPrefix,
        previous,
        required: computed.bump,
        preMajor: settings.preMajor,
        forced: computed.releaseAs,
    });
    if (problem)
        throw new InputError('--as', as, `a version the tag check accepts (${problem.message})`);
    return { version, tag, bump: bumpBetween(previous, version), released: true };
}

;// CONCATENATED MODULE: ./build/src/cli/commands/release.js





const releaseCommand = {
    name: 'release',
    summary: 'Cut a release locally: compute the version, update release-notes.md, commit chore(release) and tag it.',
    usage: 'release-flow release [--as X.Y.Z] [--prerelease ID] [--push] [--dry-run] [--remote origin] [--file release-notes.md] [--json] [--cwd DIR]',
    options: {
        as: { type: 'string', placeholder: 'X.Y.Z', help: 'release this version instead of the computed one (must be greater than the last release)' },
        push: { type: 'boolean', help: 'push the branch and the tag, atomically (default: local only)' },
        'dry-run': { type: 'boolean', help: 'print what would happen and change nothing' },
        remote: { type: 'string', placeholder: 'NAME', help: 'the remote to push to (default: origin)' },
        file: { type: 'string', placeholder: 'FILE', help: 'the release notes file, relative to the repository (default: release-notes.md)' },
        ...jsonOption,
        ...cwdOption,
        ...versionRuleOptions,
        ...notesOptions,
    },
    async run(args, io) {
        const settings = settingsFromArgs(args);
        const notes = notesOptionsFromArgs(args);
        const git = await repositoryFromArgs(args, io);
        const { links } = await repositoryContext(git, io.env);
        const dryRun = flag(args, 'dry-run');
        const outcome = await cutRelease(git, {
            settings,
            as: stringValue(args, 'as'),
            file: stringValue(args, 'file') ?? 'release-notes.md',
            push: flag(args, 'push'),
            remote: stringValue(args, 'remote') ?? 'origin',
            dryRun,
            links,
            notes,
            today: io.now(),
            log: (line) => io.stderr(`${line}\n`),
        });
        if (flag(args, 'json')) {
            io.stdout(JSON.stringify(outcomeJson(outcome)) + '\n');
            return 0;
        }
        const what = `${outcome.tag} (${outcome.bump}; previous: ${outcome.previousTag ?? 'none'})`;
        const lines = dryRun
            ? [
                `Dry run: nothing was changed. A release would:`,
                `  write the ${outcome.tag} section of ${outcome.file}`,
                `  commit "${outcome.commitMessage}" on ${outcome.branch}`,
                `  create the annotated tag ${outcome.tag}`,
                outcome.pushed || flag(args, 'push') ? `  push ${outcome.branch} and ${outcome.tag} atomically` : `  not push (add --push)`,
                '',
                outcome.notes.markdown,
            ]
            : [
                `Released ${what}.`,
                outcome.pushed ? `Pushed ${outcome.branch} and ${outcome.tag}.` : `Not pushed. Push with: git push --atomic ${stringValue(args, 'remote') ?? 'origin'} ${outcome.branch} ${outcome.tag}`,
            ];
        io.stdout(lines.join('\n').trimEnd() + '\n');
        return 0;
    },
};
/** What was released (or, on a dry run, would be). */
function outcomeJson(outcome) {
    const { version, tag, previousTag, bump, branch, commitMessage, file, commit, pushed, dryRun } = outcome;
    return { version, tag, previousTag, bump, branch, commitMessage, file, commit, pushed, dryRun, notes: outcome.notes.markdown };
}

;// CONCATENATED MODULE: ./build/src/cli/commands/version.js




const versionCommand = {
    name: 'version',
    summary: 'Compute the next semantic version from the Conventional Commits since the last release tag.',
    usage: 'release-flow version [--json] [--cwd DIR] [--tag-prefix v] [--initial-version X.Y.Z] [--prerelease ID] [--pre-major] [--release-rules RULES]',
    options: { ...jsonOption, ...cwdOption, ...versionRuleOptions },
    async run(args, io) {
        const settings = settingsFromArgs(args);
        const git = await repositoryFromArgs(args, io);
        const result = await computeVersion(git, { settings, shallow: 'fail' });
        io.stdout(flag(args, 'json') ? JSON.stringify(versionJson(result)) + '\n' : formatVersion(result));
        return 0;
    },
};

;// CONCATENATED MODULE: ./build/src/cli/run.js







const commands = [planCommand, versionCommand, notesCommand, releaseCommand, imageCommand];
function topHelp() {
    const lines = [
        'release-flow: from commit to running container.',
        '',
        'Usage: release-flow <command> [options]',
        '',
        'Commands:',
        ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
        '',
        'Run `release-flow <command> --help` for the options of a command.',
        'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.',
    ];
    return lines.join('\n') + '\n';
}
/** Runs one command line and returns the exit code; every error becomes a message, never a stack. */
async function runCli(argv, io) {
    const [name, ...rest] = argv;
    if (name === undefined) {
        io.stderr(topHelp());
        return 2;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
        io.stdout(topHelp());
        return 0;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
        io.stderr(`release-flow: unknown command ${JSON.stringify(name)}; expected one of ${commands.map((c) => c.name).join(', ')}. Run release-flow --help.\n`);
        return 2;
    }
    try {
        const args = parseCommandArgs(command, rest);
        if (args.values.help) {
            io.stdout(commandHelp(command));
            return 0;
        }
        return await command.run(args, io);
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`release-flow ${command.name}: ${message}\n`);
        return isUsageError(error) ? 2 : 1;
    }
}


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(867);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
