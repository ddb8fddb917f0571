/**
 * The demo district: one urban school that hosts the teacher and three rural
 * schools that receive, modelled on a county where most schools are rural and
 * the farthest is about 26 km from town. Validated by signaling on import.
 */
export interface SeedDirectory {
  districts: Array<{ id: string; name: string; region: string }>;
  schools: Array<{ id: string; districtId: string; name: string; kind: 'urban' | 'rural'; distanceKm: number; /** SFU region nearest the school (cluster placement). */ region: string }>;
  classrooms: Array<{ id: string; schoolId: string; name: string; capacity: number }>;
  teachers: Array<{ id: string; schoolId: string; name: string; subject: string }>;
  lessons: Array<{
    id: string;
    title: string;
    subject: string;
    teacherId: string;
    mainClassroomId: string;
    remoteClassroomIds: string[];
    scheduledStart: string;
    durationMinutes: number;
    language: 'zh' | 'en';
    status: 'scheduled';
    startedAt: null;
    endedAt: null;
    createdAt: string;
  }>;
}

const DISTRICT = 'qinghe';

/** `now` anchors the demo lessons to today, so a newcomer sees a lesson about to start. */
export function demoDistrict(now: Date): SeedDirectory {
  const at = (minutesFromNow: number) => new Date(now.getTime() + minutesFromNow * 60_000).toISOString();
  const lesson = (id: string, title: string, subject: string, teacherId: string, start: number, remote: string[], language: 'zh' | 'en' = 'zh') => ({
    id,
    title,
    subject,
    teacherId,
    mainClassroomId: 'qh-exp-g4-1',
    remoteClassroomIds: remote,
    scheduledStart: at(start),
    durationMinutes: 40,
    language,
    status: 'scheduled' as const,
    startedAt: null,
    endedAt: null,
    createdAt: now.toISOString(),
  });
  return {
    districts: [{ id: DISTRICT, name: '清河县教育体育局 (Qinghe County Education Bureau)', region: 'Qinghe County' }],
    schools: [
      { id: 'qh-exp', districtId: DISTRICT, name: '清河县实验小学 (Qinghe Experimental Primary School)', kind: 'urban', distanceKm: 0, region: 'city' },
      { id: 'qh-shangling', districtId: DISTRICT, name: '上岭村小学 (Shangling Village Primary)', kind: 'rural', distanceKm: 12, region: 'county' },
      { id: 'qh-xiahe', districtId: DISTRICT, name: '下河教学点 (Xiahe Teaching Point)', kind: 'rural', distanceKm: 19, region: 'county' },
      { id: 'qh-baishi', districtId: DISTRICT, name: '白石镇中心小学 (Baishi Town Central Primary)', kind: 'rural', distanceKm: 26, region: 'county' },
    ],
    classrooms: [
      { id: 'qh-exp-g4-1', schoolId: 'qh-exp', name: '实验小学 四年级(1)班 · 专递课堂主讲教室', capacity: 45 },
      { id: 'qh-exp-g5-2', schoolId: 'qh-exp', name: '实验小学 五年级(2)班', capacity: 45 },
      { id: 'qh-shangling-g4', schoolId: 'qh-shangling', name: '上岭村小学 四年级', capacity: 18 },
      { id: 'qh-xiahe-mixed', schoolId: 'qh-xiahe', name: '下河教学点 复式班', capacity: 9 },
      { id: 'qh-baishi-g4-2', schoolId: 'qh-baishi', name: '白石镇中心小学 四年级(2)班', capacity: 32 },
    ],
    teachers: [
      { id: 't-wang-li', schoolId: 'qh-exp', name: '王丽', subject: '音乐 Music' },
      { id: 't-chen-jun', schoolId: 'qh-exp', name: '陈俊', subject: '英语 English' },
      { id: 't-zhao-min', schoolId: 'qh-exp', name: '赵敏', subject: '美术 Art' },
    ],
    lessons: [
      lesson('demo-music-g4', '四年级音乐：《茉莉花》 Grade 4 Music', '音乐 Music', 't-wang-li', 5, ['qh-shangling-g4', 'qh-xiahe-mixed', 'qh-baishi-g4-2']),
      lesson('demo-english-g4', 'Grade 4 English: My Day 我的一天', '英语 English', 't-chen-jun', 60, ['qh-shangling-g4', 'qh-baishi-g4-2'], 'en'),
    ],
  };
}
