// The demo pages' one string table. Chinese (zh-CN) is the primary language, English the secondary
// one shown smaller beside or beneath it. To add a language, add a table with the same keys (a
// missing key falls back to zh-CN) and open a page with ?lang=<tag>; ?lang=en shows English first
// and Chinese second. Dates and times use the same locale (the school's: zh-CN unless ?lang= says
// otherwise) through Intl.DateTimeFormat.

export const strings = {
  'zh-CN': {
    'app.name': '专递课堂',
    'app.pickSeat': '选择身份进入课堂',
    'app.loading': '加载中…',
    'app.noLessons': '暂无课程',
    'app.loadFailed': '课程加载失败',

    'index.teacher': '主讲教师',
    'index.student': '学生（个人）',
    'index.observer': '听课',
    'index.remoteClassrooms': '接收教室',
    'index.starts': '开始时间',
    'index.main': '主讲教室',

    'lesson.scheduled': '未开始',
    'lesson.live': '上课中',
    'lesson.ended': '已结束',

    'page.teacher': '主讲教室',
    'page.classroom': '接收教室',

    'state.new': '未连接',
    'state.connecting': '连接中…',
    'state.connected': '已连接',
    'state.reconnecting': '重新连接中…',
    'state.closed': '已断开',
    'state.failed': '连接失败',

    'notice.ended': '已下课',
    'notice.endedDetail': '本节课已结束，谢谢大家！',
    'notice.removed': '已被移出课堂',
    'notice.replaced': '已在另一个窗口进入课堂',
    'notice.tokenExpired': '进入课堂的凭证已过期',
    'notice.left': '已离开课堂',
    'notice.failed': '无法进入课堂',
    'notice.rejoin': '重新进入',

    'role.teacher': '主讲教师',
    'role.classroom': '接收教室',
    'role.student': '学生',
    'role.observer': '听课',
    'role.recorder': '录制',
    'role.captioner': '字幕',

    'tile.you': '本机',
    'tile.thisClassroom': '本教室',
    'tile.screen': '屏幕共享',
    'tile.cameraOff': '摄像头已关闭',
    'tile.noCamera': '没有摄像头画面',
    'tile.waitingTeacher': '等待主讲教师进入…',

    'mic.live': '麦克风开',
    'mic.noFloor': '未获发言',
    'mic.muted': '已被老师静音',
    'mic.owner': '麦克风已关',
    'mic.none': '没有麦克风',
    'cam.on': '摄像头开',
    'cam.off': '摄像头关',
    'cam.none': '没有摄像头',

    'link.title': '链路质量',
    'link.ours': '本教室网络',
    'link.received': '老师收到的',
    'link.reported': '教室收到的',
    'link.none': '暂无数据',
    'link.down': '收不到画面和声音',
    'link.loss': '丢包',
    'link.rtt': '往返时延',
    'link.freezes': '卡顿',
    'link.jitter': '抖动',
    'link.concealment': '声音补偿',
    'level.title': '音量',

    'layout.label': '布局',
    'layout.speaker': '主讲',
    'layout.gallery': '宫格',

    'rec.on': '录制中',
    'replay.title': '课堂回放',
    'replay.subtitle': '已录制的课程',
    'replay.play': '播放',
    'replay.download': '下载 MP4',
    'replay.transcript': '课堂文稿',
    'replay.search': '搜索文稿',
    'replay.noMatch': '没有找到',
    'replay.duration': '时长',
    'replay.none': '暂无回放',
    'replay.interrupted': '录制中断（已保存到中断前）',
    'replay.loadFailed': '回放加载失败',
    'replay.linkInvalid': '回放链接无效或已过期',
    'replay.needLink': '请使用学校提供的回放链接',
    'index.replay': '课堂回放',

    'btn.cameraStop': '关闭视频',
    'btn.cameraStart': '开启视频',
    'btn.micMute': '静音',
    'btn.captions': '字幕',
    'btn.micUnmute': '解除静音',
    'btn.screenShare': '共享屏幕',
    'btn.screenStop': '停止共享',
    'btn.muteAll': '全体静音',
    'btn.end': '下课',
    'btn.grant': '允许发言',
    'btn.dismiss': '暂不',
    'btn.revoke': '结束发言',
    'btn.mute': '静音',
    'btn.spotlight': '聚焦',
    'btn.unspotlight': '取消聚焦',
    'btn.remove': '移出',
    'btn.raiseHand': '举手',
    'btn.lowerHand': '放下手',
    'btn.leave': '离开',
    'btn.cancel': '取消',
    'btn.confirm': '确定',
    'btn.enableSound': '点击开启声音',

    'hands.title': '举手',
    'hands.empty': '暂无举手',
    'people.online': '在线',
    'people.offline': '离线',
    'people.empty': '还没有教室进入',

    'badge.floor': '发言中',
    'badge.hand': '举手',
    'badge.spotlight': '聚焦',
    'badge.echo': '回声',
    'echo.hint': '老师的声音从该教室的音箱传回麦克风（晚约 {delay} 毫秒）：请该教室调低音箱音量，或把麦克风移离音箱。',
    'echo.toast': '{name} 有回声：请该教室调低音箱音量，或把麦克风移离音箱',
    'echo.self': '老师听到了本教室的回声：请调低音箱音量，或把麦克风移离音箱',

    'floor.listening': '听课中',
    'floor.waiting': '已举手，等待老师',
    'floor.on': '正在发言',
    'floor.muted': '老师已静音本教室',
    'floor.receiveOnly': '仅听课',

    'confirm.remove': '将“{name}”移出本节课？移出后不能再进入。',
    'confirm.end': '为所有教室结束本节课？',
    'confirm.leave': '离开本节课？',
    'toast.mutedAll': '已静音 {n} 个麦克风',
    'toast.nothingToMute': '没有开着的麦克风',
    'toast.failed': '操作失败：{message}',
    'toast.cameraFailed': '摄像头无法打开：{message}',
    'toast.micFailed': '麦克风无法打开：{message}',
  },
  en: {
    'app.name': 'Dedicated classroom',
    'app.pickSeat': 'Pick a seat',
    'app.loading': 'Loading…',
    'app.noLessons': 'No lessons scheduled',
    'app.loadFailed': 'Could not load the lessons',

    'index.teacher': 'Teacher console',
    'index.student': 'Individual student',
    'index.observer': 'Observer',
    'index.remoteClassrooms': 'Remote classrooms',
    'index.starts': 'Starts',
    'index.main': 'Main classroom',

    'lesson.scheduled': 'Scheduled',
    'lesson.live': 'Live',
    'lesson.ended': 'Ended',

    'page.teacher': 'Teacher console',
    'page.classroom': 'Remote classroom',

    'state.new': 'Not connected',
    'state.connecting': 'Connecting…',
    'state.connected': 'Connected',
    'state.reconnecting': 'Reconnecting…',
    'state.closed': 'Disconnected',
    'state.failed': 'Connection failed',

    'notice.ended': 'The lesson has ended',
    'notice.endedDetail': 'Thank you, everyone!',
    'notice.removed': 'Removed from the lesson',
    'notice.replaced': 'Opened in another window',
    'notice.tokenExpired': 'The invitation has expired',
    'notice.left': 'You left the lesson',
    'notice.failed': 'Could not join the lesson',
    'notice.rejoin': 'Join again',

    'role.teacher': 'Teacher',
    'role.classroom': 'Classroom',
    'role.student': 'Student',
    'role.observer': 'Observer',
    'role.recorder': 'Recorder',
    'role.captioner': 'Captioner',

    'tile.you': 'You',
    'tile.thisClassroom': 'This classroom',
    'tile.screen': 'Screen',
    'tile.cameraOff': 'Camera off',
    'tile.noCamera': 'No camera',
    'tile.waitingTeacher': 'Waiting for the teacher…',

    'mic.live': 'Mic on',
    'mic.noFloor': 'No floor',
    'mic.muted': 'Muted by the teacher',
    'mic.owner': 'Mic off',
    'mic.none': 'No microphone',
    'cam.on': 'Camera on',
    'cam.off': 'Camera off',
    'cam.none': 'No camera',

    'link.title': 'Link quality',
    'link.ours': 'Our connection',
    'link.received': 'What the teacher receives',
    'link.reported': 'What the classroom receives',
    'link.none': 'No data yet',
    'link.down': 'No media arriving',
    'link.loss': 'Loss',
    'link.rtt': 'RTT',
    'link.freezes': 'Freezes',
    'link.jitter': 'Jitter',
    'link.concealment': 'Concealment',
    'level.title': 'Level',

    'layout.label': 'Layout',
    'layout.speaker': 'Speaker',
    'layout.gallery': 'Gallery',

    'rec.on': 'Recording',
    'replay.title': 'Lesson replay',
    'replay.subtitle': 'Recorded lessons',
    'replay.play': 'Play',
    'replay.download': 'Download MP4',
    'replay.transcript': 'Transcript',
    'replay.search': 'Search the transcript',
    'replay.noMatch': 'No match',
    'replay.duration': 'Duration',
    'replay.none': 'No recordings yet',
    'replay.interrupted': 'Recording interrupted (kept up to the interruption)',
    'replay.loadFailed': 'Could not load the replays',
    'replay.linkInvalid': 'This replay link is invalid or has expired',
    'replay.needLink': 'Open the replay link your school gave you',
    'index.replay': 'Lesson replay',

    'btn.cameraStop': 'Stop video',
    'btn.cameraStart': 'Start video',
    'btn.micMute': 'Mute',
    'btn.captions': 'Captions',
    'btn.micUnmute': 'Unmute',
    'btn.screenShare': 'Share screen',
    'btn.screenStop': 'Stop sharing',
    'btn.muteAll': 'Mute all',
    'btn.end': 'End lesson',
    'btn.grant': 'Grant floor',
    'btn.dismiss': 'Not now',
    'btn.revoke': 'End floor',
    'btn.mute': 'Mute',
    'btn.spotlight': 'Spotlight',
    'btn.unspotlight': 'Clear spotlight',
    'btn.remove': 'Remove',
    'btn.raiseHand': 'Raise hand',
    'btn.lowerHand': 'Lower hand',
    'btn.leave': 'Leave',
    'btn.cancel': 'Cancel',
    'btn.confirm': 'OK',
    'btn.enableSound': 'Click to turn the sound on',

    'hands.title': 'Raised hands',
    'hands.empty': 'No raised hands',
    'people.online': 'Online',
    'people.offline': 'Offline',
    'people.empty': 'No classroom has joined yet',

    'badge.floor': 'Has the floor',
    'badge.hand': 'Hand raised',
    'badge.spotlight': 'Spotlight',
    'badge.echo': 'Echo',
    'echo.hint': "The teacher's voice comes back from this classroom's loudspeakers into its microphone (about {delay} ms late): ask it to turn the speakers down or move the microphone away from them.",
    'echo.toast': 'Echo from {name}: ask them to turn the speakers down or move the microphone away',
    'echo.self': 'The teacher hears an echo from this room: turn the speakers down, or move the microphone away from them',

    'floor.listening': 'Listening',
    'floor.waiting': 'Hand raised, please wait',
    'floor.on': 'You have the floor',
    'floor.muted': 'Muted by the teacher',
    'floor.receiveOnly': 'Listening only',

    'confirm.remove': 'Remove “{name}” from this lesson? They cannot come back in.',
    'confirm.end': 'End the lesson for every classroom?',
    'confirm.leave': 'Leave this lesson?',
    'toast.mutedAll': 'Muted {n} microphone(s)',
    'toast.nothingToMute': 'No microphone is on',
    'toast.failed': 'Failed: {message}',
    'toast.cameraFailed': 'Camera unavailable: {message}',
    'toast.micFailed': 'Microphone unavailable: {message}',
  },
};

const query = new URLSearchParams(location.search);
const requested = query.get('lang');

/** The school's locale: dates, numbers and the primary language (zh-CN unless ?lang= says otherwise). */
export const locale = requested && isLocale(requested) ? requested : 'zh-CN';
/** Primary and secondary string tables: the nearest table for the locale, and English (or Chinese when English is primary). */
export const primaryLang = tableFor(locale);
export const secondaryLang = primaryLang === 'en' ? 'zh-CN' : 'en';

function isLocale(tag) {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0;
  } catch {
    return false;
  }
}

function tableFor(tag) {
  if (strings[tag]) return tag;
  const base = tag.split('-')[0];
  const match = Object.keys(strings).find((key) => key === base || key.split('-')[0] === base);
  return match ?? 'zh-CN';
}

function lookup(lang, key, vars) {
  const text = strings[lang]?.[key] ?? strings['zh-CN'][key];
  if (text === undefined) {
    console.warn('i18n: missing string', key);
    return key;
  }
  return vars ? text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? '')) : text;
}

const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The primary-language string. */
export const t = (key, vars) => lookup(primaryLang, key, vars);
/** The secondary-language string. */
export const t2 = (key, vars) => lookup(secondaryLang, key, vars);
/** "中文 English" as plain text (tooltips, dialogs, aria labels). */
export const both = (key, vars) => `${t(key, vars)} ${t2(key, vars)}`;

/**
 * The pair as HTML: primary then secondary (smaller); `stack` puts the secondary beneath.
 * Both parts are escaped.
 */
export function bi(key, vars, { stack = false } = {}) {
  return `<span class="bi${stack ? ' stack' : ''}"><span class="t1" lang="${primaryLang}">${escape(t(key, vars))}</span> <span class="t2" lang="${secondaryLang}">${escape(t2(key, vars))}</span></span>`;
}

/**
 * Fills static markup: data-i18n="key" (content, add data-i18n-stack for two lines),
 * data-i18n-title="key" (tooltip), data-i18n-aria="key" (aria-label). Sets <html lang>.
 */
export function applyI18n(root = document) {
  document.documentElement.lang = primaryLang;
  for (const element of root.querySelectorAll('[data-i18n]')) element.innerHTML = bi(element.dataset.i18n, undefined, { stack: 'i18nStack' in element.dataset });
  for (const element of root.querySelectorAll('[data-i18n-title]')) element.title = both(element.dataset.i18nTitle);
  for (const element of root.querySelectorAll('[data-i18n-aria]')) element.setAttribute('aria-label', both(element.dataset.i18nAria));
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) element.placeholder = both(element.dataset.i18nPlaceholder);
}

/** A date and time in the school's locale, e.g. 2026年11月24日 星期二 09:30. */
export function formatDateTime(date, options = { dateStyle: 'full', timeStyle: 'short' }) {
  return new Intl.DateTimeFormat(locale, options).format(new Date(date));
}

/** The header clock: weekday, date and time, e.g. 11月24日星期二 09:30. */
export function formatClock(date) {
  return new Intl.DateTimeFormat(locale, { month: 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(date));
}

/** Numbers in the school's locale (loss percentages, milliseconds). */
export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}
