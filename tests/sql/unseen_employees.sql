-- The MySQL "employees" sample as its PostgreSQL ports have it, from memory and shrunk: char(4) department
-- ids, a gender enum, composite primary keys that include a date, '9999-01-01' sentinels for current rows,
-- many salaries per employee, and the views the sample ships (current department, current managers).
CREATE SCHEMA employees;
CREATE TYPE employees.employee_gender AS ENUM ('M', 'F');
CREATE TABLE employees.employee (
  id bigint PRIMARY KEY, birth_date date NOT NULL, first_name varchar(14) NOT NULL, last_name varchar(16) NOT NULL,
  gender employees.employee_gender NOT NULL, hire_date date NOT NULL);
CREATE TABLE employees.department (id char(4) PRIMARY KEY, dept_name varchar(40) NOT NULL UNIQUE);
CREATE TABLE employees.department_employee (
  employee_id bigint NOT NULL REFERENCES employees.employee (id) ON UPDATE RESTRICT ON DELETE CASCADE,
  department_id char(4) NOT NULL REFERENCES employees.department (id) ON UPDATE RESTRICT ON DELETE CASCADE,
  from_date date NOT NULL, to_date date NOT NULL, PRIMARY KEY (employee_id, department_id));
CREATE INDEX idx_16982_dept_no ON employees.department_employee (department_id);
CREATE TABLE employees.department_manager (
  employee_id bigint NOT NULL REFERENCES employees.employee (id) ON UPDATE RESTRICT ON DELETE CASCADE,
  department_id char(4) NOT NULL REFERENCES employees.department (id) ON UPDATE RESTRICT ON DELETE CASCADE,
  from_date date NOT NULL, to_date date NOT NULL, PRIMARY KEY (employee_id, department_id));
CREATE TABLE employees.salary (
  employee_id bigint NOT NULL REFERENCES employees.employee (id) ON UPDATE RESTRICT ON DELETE CASCADE,
  amount bigint NOT NULL, from_date date NOT NULL, to_date date NOT NULL, PRIMARY KEY (employee_id, from_date));
CREATE TABLE employees.title (
  employee_id bigint NOT NULL REFERENCES employees.employee (id) ON UPDATE RESTRICT ON DELETE CASCADE,
  title varchar(50) NOT NULL, from_date date NOT NULL, to_date date, PRIMARY KEY (employee_id, title, from_date));
CREATE VIEW employees.current_dept_emp AS
  SELECT l.employee_id, d.department_id, l.from_date, l.to_date FROM employees.department_employee d
  JOIN (SELECT employee_id, max(from_date) AS from_date, max(to_date) AS to_date FROM employees.department_employee GROUP BY employee_id) l
    ON l.employee_id = d.employee_id AND l.from_date = d.from_date AND l.to_date = d.to_date;
CREATE VIEW employees.current_salary AS SELECT employee_id, amount FROM employees.salary WHERE to_date = '9999-01-01';

INSERT INTO employees.department VALUES ('d001', 'Marketing'), ('d002', 'Finance'), ('d003', 'Human Resources'),
  ('d004', 'Production'), ('d005', 'Development'), ('d006', 'Quality Management'), ('d007', 'Sales'),
  ('d008', 'Research'), ('d009', 'Customer Service');
INSERT INTO employees.employee
  SELECT 10000 + g, date '1952-02-01' + (g * 97) % 4700, (ARRAY['Georgi','Bezalel','Parto','Chirstian','Kyoichi','Anneke','Tzvetan','Saniya','Sumant','Duangkaew'])[1 + g % 10],
         (ARRAY['Facello','Simmel','Bamford','Koblick','Maliniak','Preusig','Zielinski','Kalloufi','Peac','Piveteau','Sluis'])[1 + g * 7 % 11],
         (ARRAY['M','F'])[1 + (g * 3) % 5 / 3]::employees.employee_gender, date '1985-01-01' + (g * 131) % 5000
  FROM generate_series(1, 1200) g;
INSERT INTO employees.department_employee
  SELECT id, 'd00' || (1 + id % 9), hire_date, CASE WHEN id % 10 = 0 THEN hire_date + 400 + (id % 900)::int ELSE date '9999-01-01' END
  FROM employees.employee;
INSERT INTO employees.department_employee
  SELECT id, 'd00' || (1 + (id + 4) % 9), hire_date + 400 + (id % 900)::int, date '9999-01-01' FROM employees.employee WHERE id % 10 = 0;
INSERT INTO employees.department_manager
  SELECT employee_id, department_id, from_date + 100 * (r - 1)::int, CASE WHEN r = 1 THEN from_date + 100 ELSE date '9999-01-01' END
  FROM (SELECT *, row_number() OVER (PARTITION BY department_id ORDER BY employee_id) AS r
        FROM employees.department_employee WHERE to_date = '9999-01-01') d WHERE r <= 2;
-- a salary a year from hire, the last one current
INSERT INTO employees.salary
  SELECT id, 40000 + (id * 37) % 30000 + y * (1000 + id % 2000), hire_date + 365 * y::int,
         CASE WHEN y = n THEN date '9999-01-01' ELSE hire_date + 365 * (y + 1)::int END
  FROM (SELECT *, 1 + id % 9 AS n FROM employees.employee) e, generate_series(0, 9) y WHERE y <= n;
INSERT INTO employees.title
  SELECT id, CASE WHEN id % 3 = 0 THEN 'Engineer' WHEN id % 3 = 1 THEN 'Staff' ELSE 'Assistant Engineer' END, hire_date,
         CASE WHEN id % 4 = 0 THEN hire_date + 2000 ELSE date '9999-01-01' END FROM employees.employee;
INSERT INTO employees.title
  SELECT id, CASE WHEN id % 3 = 0 THEN 'Senior Engineer' ELSE 'Senior Staff' END, hire_date + 2000, date '9999-01-01'
  FROM employees.employee WHERE id % 4 = 0;
